"""Running the app (`python app.py`) or the operator CLI (`python -m bot ...`) as a process of its own, as in production.

`database_url(engine)` reaches a test database from another process, `bot_env(fake, url)` is the environment such a
process needs to talk to the fake Slack, `running(...)` starts one and always stops it, `run(...)` runs one to the end.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from tests.conftest import START

ROOT = Path(__file__).resolve().parent.parent
APP = [sys.executable, str(ROOT / "app.py")]
STOP_TIMEOUT = 10  # seconds a process has to exit after SIGTERM before it is killed


def free_port() -> int:
    """A TCP port nobody listens on right now, for an app process to serve on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str) -> list[str]:
    """The command line of the operator CLI: `python -m bot <args>`."""
    return [sys.executable, "-m", "bot", *args]


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (libpq's `options=-csearch_path=...`)."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def database_url(engine: Engine) -> str:
    """A DATABASE_URL that reaches the test database (its own schema on PostgreSQL) from another process."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite":
        return url
    with engine.connect() as conn:
        schema = conn.scalar(text("select current_schema()"))
    return with_search_path(url, schema)


def bot_env(fake, database_url: str, now: datetime = START, *, inherit: bool = False, **extra: str) -> dict[str, str]:
    """The environment of a bot process on the fake Slack and `database_url`, its clock starting at `now`.

    It starts from this process's environment when `inherit`, otherwise from PATH alone; `extra` adds or overrides
    variables (SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, PORT, ...)."""
    base = dict(os.environ) if inherit else {"PATH": os.environ.get("PATH", "")}
    return {
        **base,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
        "GREENLIGHT_TIMEZONE": "Europe/Berlin",
        "GREENLIGHT_NOW": now.isoformat(),
        **extra,
    }


@contextmanager
def running(
    args: list[str], env: dict[str, str], cwd: Path = ROOT, log_path: Path | None = None
) -> Iterator[subprocess.Popen]:
    """Start `args` as a process and yield it; on the way out terminate it, and kill it if it is still there after 10 s.

    Its output (stdout and stderr together) goes to `log_path`; without one, stdout and stderr are pipes (text) for
    `communicate()`. The directory `cwd` matters: the app reads the `.env` found there."""
    log = open(log_path, "w") if log_path else None
    output = (
        {"stdout": log, "stderr": subprocess.STDOUT}
        if log
        else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    )
    try:
        with subprocess.Popen(args, cwd=cwd, env=env, **output) as process:
            try:
                yield process
            finally:
                process.terminate()
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        if log:
            log.close()


def run(args: list[str], env: dict[str, str], cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `args` to the end and return what it printed (stdout and stderr as text)."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def family(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's workers, the answer processes), from /proc."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        return []
    return [pid] + [p for c in children for p in family(c)]
