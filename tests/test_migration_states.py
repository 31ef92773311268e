"""Revision 0003: a database built before constraint names were conventional upgrades to named
constraints and to CHECKs that refuse a status or decision the code does not know."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

import storage.models as models
from storage.db import alembic_config, make_engine
from tests.conftest import BACKENDS, postgres_engine

WORKSPACE = (
    "INSERT INTO workspaces (team_id, timezone, working_days, working_hours, deadline_days, first_nudge, "
    "nudge_every, sponsor_every, report_after, report_every, summary_day, summary_time, next_number, created_at) "
    "VALUES ('T1', 'UTC', 'mon', '09:00-17:00', 1, 1, 1, 1, 1, 1, 'mon', '09:00', 1, '2026-12-07')"
)
INITIATIVE = (
    "INSERT INTO initiatives (team_id, number, title, details, owner_id, sponsor_id, channel_id, rule, status, "
    "deadline, created_at, extensions, sponsor_asks, report_reminders) "
    "VALUES ('T1', :n, 'Plan', '', 'U1', 'U2', 'C1', 'all', :status, '2026-12-18', '2026-12-07', 0, 0, 0)"
)


@pytest.fixture(params=BACKENDS)
def old_database(request, tmp_path, monkeypatch):
    """A database at revision 0002 built the way it was before the naming convention existed."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        engine = postgres_engine(f"gl_states_{os.getpid()}")
    with monkeypatch.context() as m:
        m.setattr(models.Base.metadata, "naming_convention", {"ix": "ix_%(column_0_label)s"})
        command.upgrade(alembic_config(engine), "0002")
    yield engine
    if request.param == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS gl_states_{os.getpid()} CASCADE"))
    engine.dispose()


def test_an_old_database_gets_named_constraints_and_state_checks(old_database):
    command.upgrade(alembic_config(old_database), "head")
    with old_database.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), models.Base.metadata) == []
        )
    schema = inspect(old_database)
    assert [u["name"] for u in schema.get_unique_constraints("initiatives")] == ["uq_initiatives_team_id_number"]
    assert [u["name"] for u in schema.get_unique_constraints("outbox")] == ["uq_outbox_team_id_key"]
    assert "ck_initiatives_status" in [c["name"] for c in schema.get_check_constraints("initiatives")]
    assert "ck_approvals_decision" in [c["name"] for c in schema.get_check_constraints("approvals")]

    with old_database.begin() as conn:
        conn.execute(text(WORKSPACE))
        conn.execute(text(INITIATIVE), {"n": 1, "status": "escalated"})
    with pytest.raises(IntegrityError), old_database.begin() as conn:
        conn.execute(text(INITIATIVE), {"n": 2, "status": "stalled"})


def test_0003_can_be_undone_and_redone(old_database):
    config = alembic_config(old_database)
    command.upgrade(config, "head")
    command.downgrade(config, "0002")
    assert "ck_initiatives_status" not in [
        c["name"] for c in inspect(old_database).get_check_constraints("initiatives")
    ]
    command.upgrade(config, "head")
    assert "ck_initiatives_status" in [c["name"] for c in inspect(old_database).get_check_constraints("initiatives")]
