"""`python -m bot doctor`: checks the token and its scopes (each installation's, in OAuth mode), the database and
its migrations, and that the clock swept lately; one line each."""

from __future__ import annotations

from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from storage.db import head_revision, unrecorded_revision
from storage.models import Heartbeat, Workspace

REQUIRED_SCOPES = {
    "commands",
    "channels:read",
    "chat:write",
    "chat:write.public",
    "files:write",
    "groups:read",
    "im:write",
    "mpim:write",
    "users:read",
    "usergroups:read",  # user groups as approvers: who is in them (usergroups.users.list)
    # delivery looks up a post whose answer was lost before sending it again (bot/delivery.py)
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
}
CLOCK_SEEN_WITHIN = timedelta(minutes=2)  # the clock sweeps every minute


def check_token(gl, client: WebClient, where: str = "") -> int:
    """auth.test with this client: the token, then its scopes; returns the number of problems."""
    try:
        auth = client.auth_test()
        print(f"ok   token{where}: bot {auth.get('user_id')} in workspace {auth.get('team')} ({auth.get('team_id')})")
        granted = set(filter(None, (auth.headers.get("x-oauth-scopes") or "").split(",")))
        missing = REQUIRED_SCOPES - granted
        if missing:
            print(f"FAIL scopes{where}: missing {', '.join(sorted(missing))}; reinstall the app from manifest.yml")
            return 1
        print(f"ok   scopes{where}: " + ", ".join(sorted(REQUIRED_SCOPES)))
        return 0
    except SlackApiError as e:
        print(f"FAIL token{where}: Slack said {e.response.get('error') or e.response.status_code}")
    except OSError as e:
        print(f"FAIL token{where}: cannot reach {gl.config.slack_api_url} ({e})")
    return 1


def check_installations(gl) -> int:
    """OAuth mode: every workspace installed and not uninstalled has a working token with the scopes."""
    try:
        active = gl.installations.active()
        with gl.reading() as session:
            gone = list(
                session.execute(
                    select(Workspace.team_id, Workspace.uninstalled_at)
                    .where(Workspace.uninstalled_at.is_not(None))
                    .order_by(Workspace.team_id)
                )
            )
    except Exception as e:  # the database check below says why
        print(f"FAIL installations: cannot read them ({e.__class__.__name__})")
        return 1
    if not active:
        print("WARN installations: none yet; open /slack/install on this app's public URL to install it")
    problems = sum(
        check_token(gl, WebClient(token=token, base_url=gl.config.slack_api_url), f" {who}") for who, token in active
    )
    for team, at in gone:
        purge = at + timedelta(days=gl.config.uninstall_grace_days)
        print(
            f"ok   uninstalled {team}: since {at:%Y-%m-%d %H:%M} UTC, nothing sent; its data is deleted after {purge:%Y-%m-%d %H:%M} UTC"
        )
    return problems


def check_clock(gl) -> int:
    """The sweep's heartbeat: a clock (or cron sweep) ran in the last two minutes."""
    try:
        with gl.reading() as session:
            last = session.scalar(select(Heartbeat.at).where(Heartbeat.name == "sweep"))
    except Exception:  # an unmigrated database: the database line already says what to do
        return 0
    if last is None:
        print("WARN clock: no sweep has run yet; start `python -m bot clock` (or `python app.py`, or a cron sweep)")
        return 0
    ago = int((gl.clock.now() - last).total_seconds())
    if ago > CLOCK_SEEN_WITHIN.total_seconds():
        print(
            f"FAIL clock: last sweep {ago} s ago; nothing is nudged or sent while no clock runs "
            "(start `python -m bot clock`, or `python app.py` with GREENLIGHT_SCHEDULER on)"
        )
        return 1
    print(f"ok   clock: last sweep {max(ago, 0)} s ago")
    return 0


def doctor(gl) -> int:
    """Print what is fine and what is not; exit code 1 if anything is wrong."""
    problems = check_installations(gl) if gl.installations else check_token(gl, gl.client)
    try:
        with gl.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        head = head_revision(gl.engine)
        unrecorded = unrecorded_revision(gl.engine)
        if current == head:
            print(f"ok   database: {gl.engine.url.render_as_string(hide_password=True)} at revision {current}")
        elif unrecorded:
            problems += 1
            upgrade = "" if unrecorded == head else f" and upgrade it to {head}"
            print(
                f"FAIL database: has Greenlight's tables but no record of its revision; "
                f"`python -m bot migrate` will record it as {unrecorded}{upgrade}"
            )
        else:
            problems += 1
            print(f"FAIL database: at revision {current}, code expects {head}; run `python -m bot migrate`")
    except Exception as e:  # any failure to connect is the finding
        problems += 1
        print(f"FAIL database: {e.__class__.__name__}: {str(e).splitlines()[0]}")
    problems += check_clock(gl)
    return 1 if problems else 0
