"""/healthz and /readyz as a load balancer or an orchestrator meets them: in front of the app in HTTP mode, and on
GREENLIGHT_HEALTH_PORT in Socket Mode and in the clock process; /readyz names what is not ready."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from bot.health import TOKEN_FRESH, Readiness
from bot.ops_web import routes
from bot.runtime import Greenlight
from storage.db import make_engine
from tests.conftest import test_config as config_for
from tests.http_app import get, wait_for_port
from tests.processes import APP, bot_env, cli, free_port, running


def call(app, path: str, method: str = "GET") -> tuple[str, dict]:
    """Call a WSGI app in process: (status line, JSON body)."""
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": method}, start_response))
    return answer["status"], json.loads(body)


@pytest.fixture
def database_url(tmp_path):
    """For app_process: SQLite, which the app migrates itself."""
    return f"sqlite:///{tmp_path / 'health.db'}"


@pytest.fixture
def ops(gl):
    return routes(gl)


def test_healthz_answers_and_readyz_checks_database_and_token(ops, fake):
    assert call(ops, "/healthz") == ("200 OK", {"status": "ok"})
    assert call(ops, "/readyz") == ("200 OK", {"status": "ready"})
    assert len(fake.calls("auth.test")) == 1


def test_readyz_trusts_a_token_for_5_minutes_then_asks_slack_again(gl, fake):
    now = [1000.0]
    checks = Readiness(gl, monotonic=lambda: now[0])
    assert checks.problems() == {}
    now[0] += TOKEN_FRESH - 1
    assert checks.problems() == {}
    assert len(fake.calls("auth.test")) == 1
    now[0] += 2
    fake.fail_next("auth.test", error="invalid_auth")
    assert checks.problems() == {"slack": "auth.test failed: invalid_auth"}
    assert checks.problems() == {}  # Slack accepts it again: ready again
    assert len(fake.calls("auth.test")) == 3


def test_readyz_is_503_naming_a_revoked_token(ops, fake):
    fake.fail_next("auth.test", error="token_revoked")
    status, body = call(ops, "/readyz")
    assert status == "503 Service Unavailable"
    assert body == {"status": "not ready", "failed": {"slack": "auth.test failed: token_revoked"}}


def test_readyz_is_503_when_slack_does_not_answer_in_time(ops, fake):
    fake.delay_next("auth.test", 5)
    started = time.monotonic()
    status, body = call(ops, "/readyz")
    assert status.startswith("503") and set(body["failed"]) == {"slack"}
    assert time.monotonic() - started < 4.5


def test_readyz_is_503_for_a_database_behind_the_code_or_unreachable(fake, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    gl = Greenlight(config_for(fake), engine=engine)
    status, body = call(routes(gl), "/readyz")
    assert status.startswith("503")
    assert body["failed"]["database"].startswith("at revision None, code expects")
    assert "slack" not in body["failed"]
    gone = Greenlight(config_for(fake), engine=make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"))
    status, body = call(routes(gone), "/readyz")
    assert status.startswith("503") and body["failed"]["database"].startswith("unreachable: OperationalError")


def test_http_mode_serves_health_beside_slack_events(app_process, fake):
    base = app_process.removesuffix("/slack/events")
    assert get(base + "/healthz")[::2] == (200, '{"status": "ok"}')
    before = len(fake.calls("auth.test"))
    for _ in range(10):
        status, content_type, body = get(base + "/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"}) and content_type == "application/json"
    # A token Slack accepted is trusted for 5 minutes: at most one auth.test per process (gunicorn runs 2 workers).
    assert 1 <= len(fake.calls("auth.test")) - before <= 2


def test_clock_process_serves_health_and_metrics_on_its_own_port(fake, tmp_path):
    port = free_port()
    env = bot_env(
        fake, f"sqlite:///{tmp_path / 'clock.db'}", SLACK_SIGNING_SECRET="x", GREENLIGHT_HEALTH_PORT=str(port)
    )
    log_path = tmp_path / "clock.log"
    with running(cli("clock"), env, log_path=log_path) as process:
        wait_for_port(f"http://127.0.0.1:{port}/healthz", process, log_path)
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        assert get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        deadline = time.monotonic() + 30
        while "greenlight_sweep_duration_seconds_count 1.0" not in get(f"http://127.0.0.1:{port}/metrics")[2]:
            assert time.monotonic() < deadline, "the clock's first sweep was not counted within 30 s"
            time.sleep(0.2)
        assert get(f"http://127.0.0.1:{port}/")[0] == 404  # the page is for the web process


def test_socket_mode_serves_health_on_its_own_port(fake, socket_server, tmp_path):
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'sm.db'}"
    env = bot_env(
        fake, database_url, SLACK_APP_TOKEN="xapp-test", GREENLIGHT_SCHEDULER="off", GREENLIGHT_HEALTH_PORT=str(port)
    )
    log_path = tmp_path / "sm.log"
    with running(APP, env, log_path=log_path) as process:
        wait_for_port(f"http://127.0.0.1:{port}/healthz", process, log_path)
        assert get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        engine = make_engine(database_url)
        with engine.connect() as conn:  # break the database under the running process: /readyz says so
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
            conn.commit()
        engine.dispose()
        status, _, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and "database" in json.loads(body)["failed"]
        assert "greenlight_outbox_pending" in get(f"http://127.0.0.1:{port}/metrics")[2]
