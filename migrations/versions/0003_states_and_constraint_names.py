"""initiative status and approval decision are checked by the database; every constraint has a name

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 03:00:00

Databases built before the naming convention (storage/models.py NAMING) carry PostgreSQL's default
constraint names, or no names on SQLite; they are renamed here so that later revisions can alter
them by name (Alembic's batch mode on SQLite needs names).
"""

import sqlalchemy as sa
from alembic import op

from storage.models import NAMING

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = ("open", "escalated", "proceeding", "approved", "rejected", "withdrawn", "reported")
DECISIONS = ("pending", "approved", "rejected")

# PostgreSQL's default names → the convention's, for databases built before it.
POSTGRES_NAMES = {
    "people": {"people_pkey": "pk_people"},
    "workspaces": {"workspaces_pkey": "pk_workspaces"},
    "initiatives": {
        "initiatives_pkey": "pk_initiatives",
        "initiatives_team_id_number_key": "uq_initiatives_team_id_number",
        "initiatives_team_id_fkey": "fk_initiatives_team_id_workspaces",
    },
    "approvals": {
        "approvals_pkey": "pk_approvals",
        "approvals_initiative_id_approver_id_key": "uq_approvals_initiative_id_approver_id",
        "approvals_initiative_id_fkey": "fk_approvals_initiative_id_initiatives",
    },
    "events": {"events_pkey": "pk_events", "events_initiative_id_fkey": "fk_events_initiative_id_initiatives"},
    "outbox": {
        "outbox_pkey": "pk_outbox",
        "outbox_team_id_key_key": "uq_outbox_team_id_key",
        "outbox_initiative_id_fkey": "fk_outbox_initiative_id_initiatives",
    },
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        existing = {
            name
            for (name,) in bind.execute(
                sa.text("SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace")
            )
        }
        for table, names in POSTGRES_NAMES.items():
            for old, new in names.items():
                if old in existing:
                    op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{old}" TO "{new}"')
    else:  # SQLite: recreating a table names its unnamed constraints by the convention
        for table in ("events", "outbox"):
            with op.batch_alter_table(table, recreate="always", naming_convention=NAMING):
                pass
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.create_check_constraint("status", _in("status", STATUSES))
    with op.batch_alter_table("approvals", naming_convention=NAMING) as batch_op:
        batch_op.create_check_constraint("decision", _in("decision", DECISIONS))


def downgrade() -> None:
    with op.batch_alter_table("approvals", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(op.f("ck_approvals_decision"), type_="check")
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(op.f("ck_initiatives_status"), type_="check")
