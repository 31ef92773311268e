"""End to end: `python app.py` as its own process in HTTP mode, driven over real HTTP with signed requests."""
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import normalize_database_url
from storage.db import make_engine
from tests.conftest import POSTGRES_URL, postgres_engine
from tests.processes import APP, ROOT, bot_env, free_port, cli, run, running, with_search_path
from tests.slack_driver import buttons, command_body, interaction_body, signed_headers, text_of

SECRET = "e2e-signing-secret"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(params=["sqlite"] + (["postgresql"] if POSTGRES_URL else []))
def database_url(request, tmp_path):
    """A database for the app process: SQLite (migrated by the app on start) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
        return
    schema = f"gl_e2e_{os.getpid()}"
    postgres_engine(schema).dispose()  # creates the empty schema
    url = with_search_path(POSTGRES_URL, schema)
    yield url
    admin = make_engine(normalize_database_url(POSTGRES_URL))
    with admin.begin() as conn:
        # psycopg honoured ?options=-csearch_path: the app's rows are in the fresh schema
        assert conn.scalar(text(f'SELECT count(*) FROM "{schema}".initiatives')) == 1
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def procfile(process: str) -> str:
    """The command the Procfile gives for a process type."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return next(line.split(":", 1)[1].strip() for line in lines if line.startswith(f"{process}:"))


@pytest.fixture(params=["python app.py", "Procfile web"])
def app_process(request, fake, database_url, tmp_path):
    """The bot in its own process on a free port, started as `python app.py` or as the Procfile's `web`
    (gunicorn); yields its base URL and stops it afterwards.

    It runs in tmp_path, where there is no .env: only the environment below configures it."""
    port = free_port()
    env = bot_env(fake, database_url, SLACK_SIGNING_SECRET=SECRET, GREENLIGHT_SCHEDULER="off", PORT=str(port))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # gunicorn of this environment
    command = APP if request.param == "python app.py" else ["bash", "-c", f"exec {procfile('web')}"]
    if database_url.startswith("postgres"):
        # The app does not migrate PostgreSQL on start: the operator (the Procfile's release step) does.
        done = run(cli("migrate"), env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "database is up to date" in done.stdout
    log_path = tmp_path / "app.log"
    with running(command, env, cwd=tmp_path, log_path=log_path) as process:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"{request.param} exited with {process.returncode}:\n{log_path.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "app.py did not open its port within 30 s"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/slack/events"


def post(url: str, body: str, headers: dict | None) -> tuple[int, str]:
    headers = {k: v[0] for k, v in headers.items()} if headers is not None else {"content-type": FORM}
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def command(url, fake, text, user, name, channel="CGENERAL") -> dict:
    """Run /greenlight over HTTP; wait for and return the ephemeral reply at the response_url."""
    body = command_body(text, user, channel, fake.response_url(name))
    status, _ = post(url, body, signed_headers(body, SECRET, FORM))
    assert status == 200
    return reply(fake, name)


def reply(fake, name, timeout=10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c.args for c in fake.calls("response_url") if c.args.get("_name") == name]
        if found:
            return found[-1]
        time.sleep(0.02)
    raise AssertionError(f"no reply to {name}")


def dm(fake, user, count=1) -> list[dict]:
    deadline = time.monotonic() + 10
    while True:
        found = [c.args for c in fake.calls("chat.postMessage") if c.args.get("channel") == user and not c.failed]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def test_app_process_registers_approves_and_rejects(app_process, fake):
    # Both approvers work in Berlin, so their sign-off requests arrive at once (quiet hours hold a DM
    # until its recipient's working time: Bob in Los Angeles would get his at 09:00 his time).
    fake.add_user("UDANA", name="dana")
    url = app_process

    # Unsigned and badly signed requests are refused before anything happens.
    body = command_body("list", "UOWNER", "CGENERAL", fake.response_url("unsigned"))
    assert post(url, body, None)[0] == 401
    assert post(url, body, signed_headers(body, "wrong-secret", FORM))[0] == 401
    stale = signed_headers(body, SECRET, FORM)
    stale["x-slack-request-timestamp"] = [str(int(time.time()) - 3600)]
    assert post(url, body, stale)[0] == 401
    assert fake.calls("response_url") == []

    # Registration by slash command
    confirmation = command(url, fake, "new Training plan approvers <@UALICE|alice> <@UDANA|dana> sponsor <@USPONSOR> in 3 days",
                           "UOWNER", "register")
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["text"].startswith("Registered *GL-1* “Training plan”")
    assert "Deadline: Thu 10 Dec 2026" in confirmation["text"]
    (announcement,) = [c.args for c in fake.wait_for("chat.postMessage", 3) if c.args["channel"] == "CGENERAL"]
    assert "<@UOWNER> registered *GL-1* Training plan" in text_of(announcement)
    (alice_request,) = dm(fake, "UALICE")
    (bob_request,) = dm(fake, "UDANA")
    for request in (alice_request, bob_request):
        assert "asks for your sign-off on *GL-1* Training plan" in text_of(request)
        assert [label for label, _ in buttons(request)] == ["Approve", "Reject", "Snooze", "Ask a question"]

    # Approval by button (a block_actions payload, as Slack posts it)
    value = next(e["value"] for b in alice_request["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "approve")
    payload = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "UALICE", "team_id": "T1"}, "api_app_id": "A1",
        "trigger_id": "trigger-e2e", "response_url": fake.response_url("click"), "container": {"type": "message"},
        "channel": {"id": "DUALICE"}, "message": {"ts": "1.0"},
        "actions": [{"type": "button", "action_id": "approve", "block_id": "b", "value": value, "action_ts": "1"}],
    }
    body = interaction_body(payload)
    assert post(url, body, signed_headers(body, SECRET, FORM))[0] == 200
    assert reply(fake, "click")["text"] == "Thanks: your approval of GL-1 is recorded (1 of 2)."
    (update,) = fake.wait_for("chat.update")
    assert update.args["channel"] == "DUALICE" and "You approved it" in text_of(update.args)
    assert "<@UALICE> approved *GL-1* Training plan (1 of 2)" in text_of(dm(fake, "UOWNER")[0])

    # Rejection by command
    rejected = command(url, fake, "reject GL-1 Not in this budget", "UDANA", "reject")
    assert rejected["text"] == "Your rejection of GL-1 is recorded; the owner and the sponsor have been told your reason."
    owner_dms = dm(fake, "UOWNER", 2)
    assert "<@UDANA> *rejected* *GL-1* Training plan" in text_of(owner_dms[-1])
    assert "Not in this budget" in text_of(owner_dms[-1])
    sponsor_dms = dm(fake, "USPONSOR", 2)  # told at registration that she is the sponsor, then the rejection
    assert "sponsor" in text_of(sponsor_dms[0]) and "Not in this budget" in text_of(sponsor_dms[-1])
    fake.wait_for("chat.update", 2)

    shown = command(url, fake, "show gl-1", "UOTHER", "show")
    text = text_of(shown)
    assert "Status: *rejected*" in text and "<@UALICE> approved" in text and "<@UDANA> rejected" in text
    assert "Not in this budget" in text
    assert all(c.token == "xoxb-test" for c in fake.calls() if c.method != "response_url")
