"""The Alembic revisions build exactly the schema the models describe, can be undone, and upgrade every
database an earlier release built; released revisions never change.

tests/migrations_history/ keeps the two versions 0001 had before it was released (commits 4ca3051 and
42325ad), byte for byte: databases built by them say "0001" and must upgrade like any other.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.clock import FrozenClock
from bot.jobs import sweep
from bot.runtime import Greenlight
from storage.db import MIGRATIONS, alembic_config, make_engine, migrate
from storage.models import Base
from tests.conftest import BACKENDS, SIGNING_SECRET, START, postgres_engine
from tests.conftest import test_config as config_for
from tests.slack_driver import SlackDriver, text_of

HISTORY = Path(__file__).resolve().parent / "migrations_history"
REVISIONS = [r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]
# Every schema an earlier release could have left behind: a file that built it, or a revision of ours.
EARLIER = [HISTORY / "0001_first.py", HISTORY / "0001_second.py", *REVISIONS]


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)


def test_migrated_schema_matches_the_models(db):
    assert schema_diff(db) == []


def test_downgrade_to_nothing_and_back(db):
    config = alembic_config(db)
    command.downgrade(config, "base")
    assert set(inspect(db).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"workspaces", "initiatives", "approvals", "events", "people", "outbox"} <= set(
        inspect(db).get_table_names()
    )


@pytest.fixture(params=BACKENDS)
def empty(request, tmp_path):
    """An empty database of its own (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"gl_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = postgres_engine(schema)
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def build_at(engine, earlier: Path | str) -> None:
    """Build the database as an earlier release did: with a historical revision file, or up to one of ours."""
    if isinstance(earlier, str):
        command.upgrade(alembic_config(engine), earlier)
        return
    spec = importlib.util.spec_from_file_location(f"history_{earlier.stem}", earlier)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()
    command.stamp(alembic_config(engine), module.revision)


def assert_works(engine, fake) -> None:
    """The upgraded database serves a registration and a sweep."""
    gl = Greenlight(config_for(fake), clock=FrozenClock(START), engine=engine, sleep=lambda s: None)
    reply = SlackDriver(gl, fake, SIGNING_SECRET).command(
        "new Training plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>"
    )
    assert reply["text"].startswith("Registered *GL-1*")
    sweep(gl)
    assert any(
        "asks for your sign-off on *GL-1*" in text_of(c.args)
        for c in fake.calls("chat.postMessage")
        if c.args.get("channel") == "UALICE"
    )


@pytest.mark.parametrize("earlier", EARLIER, ids=lambda e: e.stem if isinstance(e, Path) else e)
def test_a_database_built_by_any_earlier_release_upgrades_to_the_models(empty, fake, earlier):
    build_at(empty, earlier)
    migrate(empty)
    with empty.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == REVISIONS[-1]
    assert schema_diff(empty) == []
    assert_works(empty, fake)


@pytest.mark.parametrize("earlier", [HISTORY / "0001_first.py", REVISIONS[-1]], ids=["first 0001", "head"])
def test_migrate_records_and_upgrades_a_database_that_has_the_tables_but_no_revision(empty, fake, earlier):
    build_at(empty, earlier)
    with empty.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    migrate(empty)
    assert schema_diff(empty) == []
    assert_works(empty, fake)


def test_0009_gives_everyone_already_there_the_digest_off_and_can_be_undone(empty):
    build_at(empty, "0008")
    with empty.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO people (team_id, user_id, display_name, tz, is_bot, deleted, is_admin, is_guest, "
                "fetched_at, holidays) VALUES ('T1', 'UALICE', 'alice', 'Europe/Paris', false, false, false, false, "
                "'2026-12-07 09:00:00', 'FR')"
            )
        )
    migrate(empty)
    assert schema_diff(empty) == []
    with empty.connect() as conn:
        assert conn.execute(text("SELECT holidays, digest FROM people")).one() == ("FR", False)
    command.downgrade(alembic_config(empty), "0008")
    assert "digest" not in {c["name"] for c in inspect(empty).get_columns("people")}
    command.upgrade(alembic_config(empty), "head")
    assert schema_diff(empty) == []


def released() -> dict[str, str]:
    """{file under migrations/: its sha256} of every released revision, from migrations/released.sha256."""
    lines = (MIGRATIONS / "released.sha256").read_text().splitlines()
    return {name: digest for digest, name in (line.split() for line in lines if line.strip())}


def test_released_revisions_are_never_edited():
    # A released revision has run on someone's database; a change must be a new revision (README, "Migrations").
    files = released()
    assert "versions/0001_initial_schema.py" in files
    for name, digest in files.items():
        assert hashlib.sha256((MIGRATIONS / name).read_bytes()).hexdigest() == digest, (
            f"migrations/{name} was released and must not change: add a new revision instead"
        )


# Workspace T1 as revision 0008 left it (the columns later revisions add have defaults).
WORKSPACE_ROW = text(
    "INSERT INTO workspaces (team_id, timezone, working_days, working_hours, deadline_days, first_nudge, "
    "nudge_every, sponsor_every, report_after, report_every, summary_day, summary_time, next_number, "
    "created_at, self_sponsor, summary_names) VALUES ('T1', 'UTC', 'mon', '09:00-17:00', 1, 1, 1, 1, 1, 1, "
    "'mon', '09:00', 2, '2026-12-07', false, true)"
)

# GL-1 of T1 as revision 0008 left it: open, its rule "any".
INITIATIVE_ROW = text(
    "INSERT INTO initiatives (id, team_id, number, title, details, owner_id, sponsor_id, channel_id, rule, status, "
    "deadline, created_at, extensions, sponsor_asks, report_reminders) VALUES (1, 'T1', 1, 'Plan', '', 'U1', 'U2', "
    "'C1', 'any', 'open', '2026-12-18', '2026-12-07', 0, 0, 0)"
)


def test_existing_initiatives_become_one_stage_initiatives_with_their_rule(empty):
    command.upgrade(alembic_config(empty), "0008")
    with empty.begin() as conn:
        conn.execute(WORKSPACE_ROW)
        conn.execute(INITIATIVE_ROW)
        conn.execute(
            text(
                "INSERT INTO approvals (initiative_id, approver_id, position, requested_at, decision, nudges_sent, "
                "last_call_sent) VALUES (1, 'U3', 0, '2026-12-07', 'pending', 0, false), "
                "(1, 'U4', 1, '2026-12-07', 'approved', 0, false)"
            )
        )
    migrate(empty)
    with empty.connect() as conn:
        assert conn.execute(text("SELECT rule FROM initiatives")).scalar() == "any"
        assert conn.execute(text("SELECT approver_id, stage, decision FROM approvals ORDER BY position")).all() == [
            ("U3", 0, "pending"),
            ("U4", 0, "approved"),
        ]


def test_0013_gives_workspaces_a_sponsor_wait_and_nobody_to_escalate_to(empty):
    """Workspaces and approvals from before 0013: sponsor-wait 5, no escalate-to, no answer given for a group; the
    tables of templates and user groups start empty."""
    command.upgrade(alembic_config(empty), "0012")
    with empty.begin() as conn:
        conn.execute(WORKSPACE_ROW)
        conn.execute(
            text(
                "INSERT INTO initiatives (id, team_id, number, title, details, owner_id, sponsor_id, channel_id, rule, "
                "status, deadline, created_at, extensions, sponsor_asks, report_reminders, round) VALUES (1, 'T1', 1, "
                "'Plan', '', 'U1', 'U2', 'C1', 'all', 'escalated', '2026-12-18', '2026-12-07', 0, 1, 0, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO approvals (initiative_id, approver_id, position, stage, required, requested_at, decision, "
                "nudges_sent, last_call_sent) VALUES (1, 'U3', 0, 0, false, '2026-12-07', 'pending', 0, false)"
            )
        )
    migrate(empty)
    with empty.connect() as conn:
        assert conn.execute(text("SELECT sponsor_wait, escalate_to FROM workspaces")).one() == (5, None)
        assert conn.execute(text("SELECT escalate_further_at, escalated_to FROM initiatives")).one() == (None, None)
        assert conn.execute(text("SELECT answered_by FROM approvals")).scalar() is None
        for table in ("templates", "user_groups", "group_members"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_0015_gives_workspaces_english_and_people_their_slack_language_and_can_be_undone(empty):
    """Workspaces from before 0015 post in English; everyone already cached reads their Slack language (not yet
    fetched: NULL) and has chosen none."""
    command.upgrade(alembic_config(empty), "0014")
    with empty.begin() as conn:
        conn.execute(WORKSPACE_ROW)
        conn.execute(
            text(
                "INSERT INTO people (team_id, user_id, display_name, tz, is_bot, deleted, is_admin, is_guest, "
                "fetched_at, digest) VALUES ('T1', 'U1', 'u1', 'Europe/Berlin', false, false, false, false, "
                "'2026-12-07', false)"
            )
        )
    migrate(empty)
    with empty.connect() as conn:
        assert conn.execute(text("SELECT language FROM workspaces")).scalar() == "en"
        assert conn.execute(text("SELECT locale, language FROM people")).one() == (None, None)
    command.downgrade(alembic_config(empty), "0014")
    assert "language" not in {c["name"] for c in inspect(empty).get_columns("workspaces")}
    command.upgrade(alembic_config(empty), "head")
    assert schema_diff(empty) == []


def test_0016_keeps_sqlite_statistics_for_the_indexes_it_rebuilds(empty):
    """Where ANALYZE had run, SQLite loses a rebuilt index's statistics: judged without them, the new owner and
    sponsor indexes drew `list`'s channel lookup off its index (a read of every initiative). 0016 gathers them again,
    in both directions."""
    if empty.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps per-column statistics; its indexes need none of their own")

    def without_statistics() -> set[str]:
        with empty.connect() as conn:
            indexes = {i["name"] for i in inspect(conn).get_indexes("initiatives")}
            known = set(conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'initiatives'")).scalars())
        return indexes - known

    command.upgrade(alembic_config(empty), "0015")
    with empty.begin() as conn:
        conn.execute(WORKSPACE_ROW)
        conn.execute(INITIATIVE_ROW)
        conn.execute(text("ANALYZE"))
    assert without_statistics() == set()
    command.upgrade(alembic_config(empty), "0016")
    assert without_statistics() == set()
    command.downgrade(alembic_config(empty), "0015")
    assert without_statistics() == set()
