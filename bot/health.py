"""Is this process alive, and ready to serve? /healthz answers while the process runs; /readyz checks the database
(reachable, migrations at head) and the Slack token (auth.test succeeded in the last 5 minutes)."""

from __future__ import annotations

import threading
import time

from alembic.runtime.migration import MigrationContext
from slack_sdk import WebClient
from sqlalchemy import text

from storage.db import head_revision

TOKEN_FRESH = 5 * 60  # seconds a successful auth.test vouches for the token
SLACK_TIMEOUT = 3  # seconds /readyz waits for auth.test


class Readiness:
    """The checks behind /readyz; one per process, shared by its threads."""

    def __init__(self, gl, *, monotonic=time.monotonic):
        self.gl = gl
        self.monotonic = monotonic
        self.client = WebClient(
            token=gl.config.slack_bot_token, base_url=gl.config.slack_api_url, timeout=SLACK_TIMEOUT, retry_handlers=[]
        )
        self.token_ok_at: float | None = None
        self._head: str | None = None
        self._lock = threading.Lock()

    def token_worked(self) -> None:
        """Record that Slack accepted the token just now."""
        self.token_ok_at = self.monotonic()

    def check_database(self) -> str | None:
        try:
            with self.gl.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = MigrationContext.configure(conn).get_current_revision()
        except Exception as e:  # whatever stops a connection is the finding
            return f"unreachable: {e.__class__.__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        if self._head is None:
            self._head = head_revision(self.gl.engine)
        if current != self._head:
            return f"at revision {current}, code expects {self._head}; run `python -m bot migrate`"
        return None

    def check_slack(self) -> str | None:
        if not self.gl.config.slack_bot_token:  # multi-workspace mode: one token per workspace, none of its own
            return None
        with self._lock:  # one auth.test at a time, however many probes arrive
            if self.token_ok_at is not None and self.monotonic() - self.token_ok_at < TOKEN_FRESH:
                return None
            try:
                self.client.auth_test()
            except Exception as e:
                error = getattr(getattr(e, "response", None), "get", lambda _: None)("error")
                return f"auth.test failed: {error or e.__class__.__name__}"
            self.token_worked()
            return None

    def problems(self) -> dict[str, str]:
        """What is not ready, by check name; empty when ready."""
        found = {"database": self.check_database(), "slack": self.check_slack()}
        return {name: problem for name, problem in found.items() if problem}
