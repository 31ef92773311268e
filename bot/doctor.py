"""`python -m bot doctor`: checks the token, its scopes and the database, one line each."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from slack_sdk.errors import SlackApiError

from storage.db import head_revision, unrecorded_revision

REQUIRED_SCOPES = {"commands", "channels:read", "chat:write", "chat:write.public", "files:write", "groups:read",
                   "im:write", "mpim:write", "users:read"}


def doctor(gl) -> int:
    """Print what is fine and what is not; exit code 1 if anything is wrong."""
    problems = 0
    try:
        auth = gl.client.auth_test()
        print(f"ok   token: bot {auth.get('user_id')} in workspace {auth.get('team')} ({auth.get('team_id')})")
        granted = set(filter(None, (auth.headers.get("x-oauth-scopes") or "").split(",")))
        missing = REQUIRED_SCOPES - granted
        if missing:
            problems += 1
            print(f"FAIL scopes: missing {', '.join(sorted(missing))}; reinstall the app from manifest.yml")
        else:
            print("ok   scopes: " + ", ".join(sorted(REQUIRED_SCOPES)))
    except SlackApiError as e:
        problems += 1
        print(f"FAIL token: Slack said {e.response.get('error') or e.response.status_code}")
    except OSError as e:
        problems += 1
        print(f"FAIL token: cannot reach {gl.config.slack_api_url} ({e})")
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
            print(f"FAIL database: has Greenlight's tables but no record of its revision; "
                  f"`python -m bot migrate` will record it as {unrecorded}{upgrade}")
        else:
            problems += 1
            print(f"FAIL database: at revision {current}, code expects {head}; run `python -m bot migrate`")
    except Exception as e:  # any failure to connect is the finding
        problems += 1
        print(f"FAIL database: {e.__class__.__name__}: {str(e).splitlines()[0]}")
    return 1 if problems else 0
