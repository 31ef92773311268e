"""The bot as a process of its own in HTTP mode (`python app.py` or the Procfile's web), for tests that drive it
over real HTTP with signed requests: the process fixture, its database, and a signed command with its reply."""

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
from tests.processes import APP, ROOT, bot_env, cli, free_port, run, running, with_search_path
from tests.slack_driver import command_body, signed_headers

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


def get(url: str, timeout: float = 10) -> tuple[int, str, str]:
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["Content-Type"], e.read().decode()


def wait_for_port(url: str, process, log_path=None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"exited with {process.returncode}" + (
            f":\n{log_path.read_text()}" if log_path else ""
        )
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            assert time.monotonic() < deadline, f"nothing answered at {url} within {timeout} s"
            time.sleep(0.1)
