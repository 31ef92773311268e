"""Installed into several workspaces through Slack's OAuth flow: each workspace is served with its own token, tokens
are refreshed before they expire (once, even by two clocks), and an uninstalled workspace gets nothing more and its
data is deleted after the grace period while the others go on untouched."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.config import ConfigError, load_config
from bot.doctor import REQUIRED_SCOPES, doctor
from bot.jobs import sweep
from bot.manifest import bot_scopes
from bot.runtime import Greenlight
from bot.slack_app import build_app
from bot.web import wsgi_app
from storage.models import (
    SLACK_BOTS,
    SLACK_INSTALLATIONS,
    Approval,
    Event,
    Heartbeat,
    Initiative,
    OutboxMessage,
    Person,
    SlackRequest,
    Workspace,
)
from tests.conftest import SIGNING_SECRET, START
from tests.conftest import test_config as config_for
from tests.slack_driver import SlackDriver, command_body, text_of

OAUTH = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret", "SLACK_BOT_TOKEN": ""}
COOKIE = "slack-app-oauth-state"


@pytest.fixture
def gl(db, fake, clock):
    """Greenlight in OAuth mode: no SLACK_BOT_TOKEN, every workspace installed through /slack/install."""
    return Greenlight(config_for(fake, **OAUTH), clock=clock, engine=db, sleep=lambda s: None)


@pytest.fixture
def web(gl):
    """The HTTP app a browser and Slack reach (python app.py and gunicorn serve the same)."""
    return wsgi_app(build_app(gl, process_before_response=True))


def http_get(app, path: str, query: str = "", cookie: str | None = None) -> tuple[str, dict, str]:
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query, **{"wsgi.input": BytesIO(b"")})
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    seen: dict = {}

    def start_response(status, headers, exc_info=None):
        seen.update(status=status, headers=headers)

    body = b"".join(app(environ, start_response)).decode()
    return seen["status"], {k.lower(): v for k, v in seen["headers"]}, body


def install(web, fake, team_id: str | None, **grant) -> str:
    """Click "Add to Slack" and approve, as an admin of the workspace does; returns the state's install page."""
    status, headers, page = http_get(web, "/slack/install")
    assert status.startswith("200"), status
    state = headers["set-cookie"].split(f"{COOKIE}=", 1)[1].split(";", 1)[0]
    link = next(part for part in page.split('"') if "/oauth/v2/authorize?" in part).replace("&amp;", "&")
    asked = parse_qs(urlsplit(link).query)
    assert asked["state"] == [state] and asked["client_id"] == ["111.222"]
    assert asked["scope"] == [",".join(bot_scopes())]
    code = fake.oauth_code(team_id, **grant)  # Slack redirects the browser back with a code and the state
    status, _, page = http_get(web, "/slack/oauth_redirect", f"code={code}&state={state}", cookie=f"{COOKIE}={state}")
    assert status.startswith("200"), (status, page)
    return page


def event(
    slack: SlackDriver, team_id: str | None, kind: dict, *, enterprise_id: str | None = None, org_wide: bool = False
) -> None:
    """An Events API request, signed, as Slack sends it."""
    n = len(slack.fake.calls()) + id(kind)
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": team_id,
            "enterprise_id": enterprise_id,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{n}",
            "event_time": 1700000000,
            "event": kind,
            "authorizations": [
                {
                    "enterprise_id": enterprise_id,
                    "team_id": None if org_wide else team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )
    slack.dispatch(body, "application/json")


def register(slack: SlackDriver, team: str, owner: str, approver: str, sponsor: str, **body_extra) -> None:
    text = f"new Plan of {team} approvers <@{approver}|a> sponsor <@{sponsor}|s>"
    name = f"reg-{team}"
    body = command_body(text, owner, "CGENERAL", slack.fake.response_url(name), team)
    if body_extra:
        body += "&" + "&".join(f"{k}={v}" for k, v in body_extra.items())
    slack.dispatch(body)
    assert "Registered *GL-1*" in slack.reply(name)["text"]


def dms_to(fake, user: str) -> list:
    return [c for c in fake.calls("chat.postMessage") if c.args.get("channel") in (user, "D" + user) and not c.failed]


def rows_of(db, team_id: str) -> dict[str, int]:
    """How many rows of each kind the workspace has."""
    with db.connect() as conn:
        count = lambda query: conn.scalar(select(func.count()).select_from(query.subquery()))  # noqa: E731
        initiatives = select(Initiative.id).where(Initiative.team_id == team_id)
        return {
            "workspace": count(select(Workspace.team_id).where(Workspace.team_id == team_id)),
            "initiatives": count(initiatives),
            "approvals": count(select(Approval.id).where(Approval.initiative_id.in_(initiatives))),
            "events": count(select(Event.id).where(Event.team_id == team_id)),
            "people": count(select(Person.user_id).where(Person.team_id == team_id)),
            "outbox": count(select(OutboxMessage.id).where(OutboxMessage.team_id == team_id)),
            "requests": count(select(SlackRequest.key).where(SlackRequest.team_id == team_id)),
            "installations": count(select(SLACK_INSTALLATIONS.c.id).where(SLACK_INSTALLATIONS.c.team_id == team_id)),
            "bots": count(select(SLACK_BOTS.c.id).where(SLACK_BOTS.c.team_id == team_id)),
        }


def test_two_workspaces_installed_swept_rotated_and_one_uninstalled(gl, web, fake, clock, db):
    # Two workspaces install the app through the OAuth flow; the first one's token expires within the hour.
    fake.add_user("UDAVE", name="dave", tz="Europe/Berlin")  # the second workspace's approver, in T1's time zone
    install(web, fake, "T1", expires_in=3600)
    install(web, fake, "T2")
    [t1_first], [t2_token] = fake.oauth_tokens("T1"), fake.oauth_tokens("T2")
    codes = [c for c in fake.calls("oauth.v2.access") if c.args.get("code")]
    assert len(codes) == 2 and all(c.args.get("client_id") is None for c in codes)  # the secret went as Basic auth

    # An initiative in each, through signed commands that Bolt authorises with that workspace's installation.
    one, two = SlackDriver(gl, fake, SIGNING_SECRET, team="T1"), SlackDriver(gl, fake, SIGNING_SECRET, team="T2")
    register(one, "T1", "UOWNER", "UALICE", "USPONSOR")
    register(two, "T2", "UOTHER", "UDAVE", "UCAROL")
    [ask_alice], [ask_dave] = dms_to(fake, "UALICE"), dms_to(fake, "UDAVE")
    assert ask_alice.token == t1_first and ask_dave.token == t2_token
    assert "asks for your sign-off" in text_of(ask_alice.args)

    # The clock's sweep refreshes the expiring token, once, before it expires; the old refresh token is spent.
    sweep(gl)
    refreshes = [c for c in fake.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1 and not refreshes[0].failed
    t1_first_, t1_now = fake.oauth_tokens("T1")
    sweep(gl)
    assert len([c for c in fake.calls("oauth.v2.access") if c.args.get("grant_type")]) == 1  # fresh now: not again
    with gl.reading() as s:
        assert s.scalar(select(Heartbeat.at).where(Heartbeat.name == "sweep")) == clock.now()

    # The second workspace uninstalls the app: Slack revokes its tokens and says so.
    fake.revoke("T2")
    event(two, "T2", {"type": "app_uninstalled", "event_ts": "1700000000.000100"})
    assert rows_of(db, "T2")["initiatives"] == 1  # kept during the grace period

    # Nudges fall due: the first workspace is nudged with its refreshed token; nothing at all is sent to the second.
    fake.clear()
    clock.advance(days=3)
    sweep(gl)
    [nudge] = [c for c in dms_to(fake, "UALICE") if "waited on you" in text_of(c.args)]
    assert nudge.token == t1_now
    assert dms_to(fake, "UDAVE") == [] and not [c for c in fake.calls() if c.token in fake.oauth_tokens("T2")]

    # After the grace period, one sweep deletes everything of the second workspace; the first goes on untouched.
    before = rows_of(db, "T1")
    clock.advance(days=gl.config.uninstall_grace_days)
    sweep(gl)
    assert set(rows_of(db, "T2").values()) == {0}, rows_of(db, "T2")
    after = rows_of(db, "T1")
    assert after["initiatives"] == before["initiatives"] == 1 and after["installations"] == 1
    assert after["events"] >= before["events"] and after["people"] == before["people"]
    assert gl.client_for("T1").token == t1_now and gl.client_for("T2").token is None


def test_a_reinstall_within_the_grace_period_resumes_the_workspace(gl, web, fake, clock, db):
    install(web, fake, "T1")
    one = SlackDriver(gl, fake, SIGNING_SECRET, team="T1")
    register(one, "T1", "UOWNER", "UALICE", "USPONSOR")
    fake.revoke("T1")
    event(one, "T1", {"type": "app_uninstalled", "event_ts": "1700000000.000100"})
    clock.advance(days=3)
    sweep(gl)
    assert not [c for c in dms_to(fake, "UALICE") if "waited on you" in text_of(c.args)]

    install(web, fake, "T1")  # an admin installs it again: the same data, a new token
    sweep(gl)
    [nudge] = [c for c in dms_to(fake, "UALICE") if "waited on you" in text_of(c.args)]
    assert nudge.token == fake.oauth_tokens("T1")[-1]
    clock.advance(days=gl.config.uninstall_grace_days + 1)
    sweep(gl)
    assert rows_of(db, "T1")["initiatives"] == 1


def test_revoking_the_bot_token_stops_delivery_at_once(gl, web, fake, clock, db):
    install(web, fake, "T1")
    one = SlackDriver(gl, fake, SIGNING_SECRET, team="T1")
    register(one, "T1", "UOWNER", "UALICE", "USPONSOR")
    with gl.transaction() as s:  # a message queued just before Slack said the token was revoked
        s.add(
            OutboxMessage(
                team_id="T1",
                key="late",
                recipient="UALICE",
                payload={"text": "late"},
                next_attempt_at=clock.now(),
                created_at=clock.now(),
            )
        )
    event(one, "T1", {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})
    fake.clear()
    gl.deliver()
    assert fake.calls("chat.postMessage") == []
    with gl.reading() as s:
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.key == "late")) == "pending"


def test_user_tokens_revoked_change_nothing(gl, web, fake):
    install(web, fake, "T1")
    one = SlackDriver(gl, fake, SIGNING_SECRET, team="T1")
    event(one, "T1", {"type": "tokens_revoked", "tokens": {"oauth": ["UOWNER"], "bot": []}})
    with gl.reading() as s:
        assert s.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == "T1")) is None


def test_an_org_wide_install_serves_each_workspace_of_the_organisation(gl, web, fake, clock, db):
    install(web, fake, None, enterprise_id="E1", org_wide=True, expires_in=600)
    [org_token] = fake.oauth_tokens("E1")
    seven = SlackDriver(gl, fake, SIGNING_SECRET, team="T7")
    register(seven, "T7", "UOWNER", "UALICE", "USPONSOR", enterprise_id="E1", is_enterprise_install="true")
    [ask] = dms_to(fake, "UALICE")
    assert ask.token == org_token and gl.client_for("T7").token == org_token
    with gl.reading() as s:  # the workspace keeps its own id; numbers are per workspace within the organisation
        assert s.scalar(select(Initiative.team_id)) == "T7"

    event(seven, "T7", {"type": "app_uninstalled"}, enterprise_id="E1", org_wide=True)
    with gl.reading() as s:
        assert s.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == "T7")) == clock.now()
    assert gl.installations.rotate_expiring() == 0  # its refresh token went with the app: not even tried
    assert not [c for c in fake.calls("oauth.v2.access") if c.args.get("grant_type")]
    clock.advance(days=gl.config.uninstall_grace_days, minutes=1)
    sweep(gl)
    assert set(rows_of(db, "T7").values()) == {0}
    with db.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SLACK_INSTALLATIONS)) == 0


def test_an_org_wide_install_taken_out_of_one_workspace_stops_that_one(gl, web, fake, clock):
    install(web, fake, None, enterprise_id="E1", org_wide=True)
    for team in ("T7", "T9"):
        register(
            SlackDriver(gl, fake, SIGNING_SECRET, team=team),
            team,
            "UOWNER",
            "UALICE",
            "USPONSOR",
            enterprise_id="E1",
            is_enterprise_install="true",
        )
    event(
        SlackDriver(gl, fake, SIGNING_SECRET, team="T7"),
        None,
        {"type": "team_access_revoked", "team_ids": ["T7"]},
        enterprise_id="E1",
        org_wide=True,
    )
    with gl.reading() as s:
        assert dict(s.execute(select(Workspace.team_id, Workspace.uninstalled_at)).all()) == {
            "T7": clock.now(),
            "T9": None,
        }


def test_a_grid_workspace_install_is_found_through_its_organisation(gl, web, fake):
    install(web, fake, "T8", enterprise_id="E2")
    eight = SlackDriver(gl, fake, SIGNING_SECRET, team="T8")
    register(eight, "T8", "UOWNER", "UALICE", "USPONSOR", enterprise_id="E2", is_enterprise_install="false")
    assert gl.client_for("T8").token == fake.oauth_tokens("T8")[0]


def test_two_clocks_refresh_an_expiring_token_once(gl, web, fake, db):
    install(web, fake, "T1", expires_in=600)
    other = Greenlight(config_for(fake, **OAUTH), clock=FrozenClock(START), engine=db, sleep=lambda s: None)
    fake.delay_next("oauth.v2.access", 0.3)  # the first refresh is slow: the second clock arrives meanwhile
    start = threading.Barrier(2)
    done = []

    def clock_process(g):
        start.wait()
        done.append(g.installations.rotate_expiring())

    threads = [threading.Thread(target=clock_process, args=(g,)) for g in (gl, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    refreshes = [c for c in fake.calls("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1 and sorted(done) == [0, 1]
    assert gl.client_for("T1").token == fake.oauth_tokens("T1")[-1] != fake.oauth_tokens("T1")[0]


def test_doctor_checks_each_installation_and_the_clock(gl, web, fake, clock, capsys):
    fake.scopes = ",".join(sorted(REQUIRED_SCOPES))
    install(web, fake, "T1")
    install(web, fake, "T2")
    assert doctor(gl) == 0
    out = capsys.readouterr().out
    assert "ok   token T1: bot UBOT in workspace Team T1 (T1)" in out and "ok   token T2:" in out
    assert "ok   scopes T1: " in out and "WARN clock: no sweep has run yet" in out

    sweep(gl)
    fake.revoke("T2")
    clock.advance(seconds=30)
    assert doctor(gl) == 1
    out = capsys.readouterr().out
    assert "FAIL token T2: Slack said token_revoked" in out and "ok   clock: last sweep 30 s ago" in out

    clock.advance(minutes=5)
    assert doctor(gl) == 1
    assert "FAIL clock: last sweep 330 s ago" in capsys.readouterr().out


def test_the_install_url_asks_for_the_scopes_doctor_checks():
    assert set(bot_scopes()) == REQUIRED_SCOPES


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET is not set"),
        ({"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_ID is not set"),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, "needs HTTP mode"),
        ({**OAUTH, "SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is not set"),
        (
            {**OAUTH, "SLACK_SIGNING_SECRET": "s", "GREENLIGHT_UNINSTALL_GRACE_DAYS": "soon"},
            "GREENLIGHT_UNINSTALL_GRACE_DAYS is malformed",
        ),
    ],
)
def test_oauth_settings_are_checked(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_oauth_mode_needs_no_bot_token():
    config = load_config({**OAUTH, "SLACK_SIGNING_SECRET": "s", "GREENLIGHT_UNINSTALL_GRACE_DAYS": "7"})
    assert config.oauth and config.slack_bot_token == "" and config.uninstall_grace_days == 7
    assert load_config({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}).uninstall_grace_days == 30


def test_with_one_bot_token_an_uninstall_is_only_logged(db, fake, clock, caplog):
    single = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    one = SlackDriver(single, fake, SIGNING_SECRET, team="T1")
    register(one, "T1", "UOWNER", "UALICE", "USPONSOR")
    event(one, "T1", {"type": "app_uninstalled"})
    assert "set a new SLACK_BOT_TOKEN" in caplog.text
    with single.reading() as s:
        assert s.scalar(select(Workspace.uninstalled_at).where(Workspace.team_id == "T1")) is None


def test_app_process_installs_two_workspaces_and_serves_each_with_its_token(db, fake, tmp_path):
    """`python app.py` in OAuth mode, over real HTTP: /slack/install, /slack/oauth_redirect, then signed commands;
    and `python -m bot doctor` checks both installations."""
    import socket
    import time
    import urllib.request

    from tests.http_app import FORM, post, reply
    from tests.processes import APP, bot_env, cli, database_url, free_port, run, running
    from tests.slack_driver import signed_headers

    fake.scopes = ",".join(sorted(REQUIRED_SCOPES))
    port = free_port()
    env = bot_env(
        fake, database_url(db), SLACK_SIGNING_SECRET=SIGNING_SECRET, GREENLIGHT_SCHEDULER="off", PORT=str(port), **OAUTH
    )
    base = f"http://127.0.0.1:{port}"
    with running(APP, env, cwd=tmp_path, log_path=tmp_path / "app.log") as process:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "app.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        for team in ("T1", "T2"):
            with urllib.request.urlopen(f"{base}/slack/install", timeout=10) as page:
                state = page.headers["Set-Cookie"].split(f"{COOKIE}=", 1)[1].split(";", 1)[0]
                assert f"state={state}" in page.read().decode()
            code = fake.oauth_code(team)
            back = urllib.request.Request(
                f"{base}/slack/oauth_redirect?code={code}&state={state}", headers={"Cookie": f"{COOKIE}={state}"}
            )
            with urllib.request.urlopen(back, timeout=10) as done:
                assert done.status == 200
        for team, approver in (("T1", "UALICE"), ("T2", "UOTHER")):
            name = f"register-{team}"
            body = command_body(
                f"new Plan approvers <@{approver}|a> sponsor <@USPONSOR|s>",
                "UOWNER",
                "CGENERAL",
                fake.response_url(name),
                team,
            )
            assert post(f"{base}/slack/events", body, signed_headers(body, SIGNING_SECRET, FORM))[0] == 200
            assert reply(fake, name)["text"].startswith("Registered *GL-1*")
            deadline = time.monotonic() + 10
            while not dms_to(fake, approver) and time.monotonic() < deadline:  # sent after the reply
                time.sleep(0.02)
            [ask] = dms_to(fake, approver)
            assert ask.token == fake.oauth_tokens(team)[0]
    checked = run(cli("doctor"), env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok   token T1: bot UBOT in workspace Team T1 (T1)" in checked.stdout
    assert "ok   token T2: bot UBOT in workspace Team T2 (T2)" in checked.stdout


def test_a_large_workspace_is_deleted_a_batch_per_transaction(gl, db, clock):
    from bot.services import installs
    from bot.services.workspaces import workspace

    with gl.transaction() as s:
        workspace(s, "T5", now=clock.now()).uninstalled_at = clock.now() - timedelta(days=31)
        s.add_all(
            Person(team_id="T5", user_id=f"U{n}", fetched_at=clock.now()) for n in range(2 * installs.PURGE_BATCH + 1)
        )
    steps = 0
    while gl.act(lambda session, now: installs.purge_step(session, now, timedelta(days=30))):
        steps += 1
    assert steps == 4  # three batches of people, then the workspace itself
    assert set(rows_of(db, "T5").values()) == {0}
