"""Shared fixtures: a migrated database (SQLite, and PostgreSQL when configured), the fake Slack, a clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.config import load_config, normalize_database_url
from bot.runtime import Greenlight
from storage.db import make_engine, migrate
from storage.models import Base
from tests.fake_slack import FakeSlack
from tests.slack_driver import SlackDriver
from tests.slack_limits import assert_recorded_within_limits

# Fixtures of the bot as its own HTTP process (app_process, database_url) and of Slack's side of Socket Mode
# (socket_server), for the tests that need them.
pytest_plugins = ["tests.http_app", "tests.socket_slack"]

POSTGRES_URL = os.environ.get("GREENLIGHT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
SIGNING_SECRET = "test-signing-secret"

# Monday 7 December 2026, 10:00 in Berlin.
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def postgres_engine(schema: str):
    """An engine on the test PostgreSQL, confined to a schema of its own so runs don't collide."""
    url = normalize_database_url(POSTGRES_URL)
    admin = make_engine(url)
    with admin.begin() as conn:  # fails loudly if PostgreSQL cannot be reached: CI must not skip it
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request, tmp_path_factory):
    """A database built by running the migrations, shared by the session's tests."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    else:
        schema = f"gl_test_{os.getpid()}"
        engine = postgres_engine(schema)
    migrate(engine)
    yield engine
    if request.param == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def db(engine):
    """The migrated engine, emptied after each test."""
    yield engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # ids start at 1 again, as on a fresh database
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def fake():
    """The fake Slack; when the test ends, everything the app sent it must be within Slack's limits."""
    slack = FakeSlack().start()
    for user, tz in [
        ("UOWNER", "Europe/Berlin"),
        ("USPONSOR", "Europe/Berlin"),
        ("UALICE", "Europe/Berlin"),
        ("UBOB", "America/Los_Angeles"),
        ("UCAROL", "Asia/Tokyo"),
        ("UOTHER", "Europe/Berlin"),
    ]:
        slack.add_user(user, name=user[1:].lower(), tz=tz)
    slack.add_user("UROBOT", name="robot", is_bot=True)
    slack.add_user("UGONE", name="gone", deleted=True)
    slack.add_user("UADMIN", name="admin", is_admin=True)
    # The public channels most tests register in: every fixture person is a member (visibility asks Slack).
    people = ["UOWNER", "USPONSOR", "UALICE", "UBOB", "UCAROL", "UOTHER", "UADMIN"]
    for channel in ("CGENERAL", "CPLANS"):
        slack.set_members(channel, people)
    yield slack
    slack.stop()
    assert_recorded_within_limits(slack)


@pytest.fixture
def clock():
    return FrozenClock(START)


def test_config(fake, **overrides):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "GREENLIGHT_TIMEZONE": "Europe/Berlin",
        "GREENLIGHT_ADMINS": "UOPS",
        **overrides,
    }
    return load_config(env)


@pytest.fixture
def gl(db, fake, clock):
    """A Greenlight on the test database and the fake Slack, on the frozen clock, never sleeping."""
    return Greenlight(test_config(fake), clock=clock, engine=db, sleep=lambda s: None)


@pytest.fixture
def slack(gl, fake):
    """Sends signed Slack requests to the Bolt app, as Slack would."""
    return SlackDriver(gl, fake, SIGNING_SECRET)
