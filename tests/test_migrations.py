"""The Alembic revisions build exactly the schema the models describe, and can be undone."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import alembic_config
from storage.models import Base


def test_migrated_schema_matches_the_models(db):
    with db.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_downgrade_to_nothing_and_back(db):
    config = alembic_config(db)
    command.downgrade(config, "base")
    assert set(inspect(db).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"workspaces", "initiatives", "approvals", "events", "people", "outbox"} <= set(inspect(db).get_table_names())
