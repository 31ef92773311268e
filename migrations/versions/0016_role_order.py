"""`mine` reads a person's own and sponsored initiatives in list order through an index (longest wait first), not by
sorting all of them: the owner and sponsor indexes go on to the waiting time and id

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 13:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for role in ("owner", "sponsor"):
        op.drop_index(f"ix_initiatives_team_{role}", table_name="initiatives")
        op.create_index(f"ix_initiatives_team_{role}", "initiatives", ["team_id", f"{role}_id", "waiting_since", "id"])
    refresh_statistics()


def refresh_statistics() -> None:
    """SQLite drops a dropped index's statistics: where ANALYZE had run, the planner would judge the new indexes
    without any (and read every initiative for the channels of `list`). PostgreSQL keeps its per-column statistics."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.scalar(
        sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    ):
        op.execute("ANALYZE initiatives")


def downgrade() -> None:
    for role in ("owner", "sponsor"):
        op.drop_index(f"ix_initiatives_team_{role}", table_name="initiatives")
        op.create_index(f"ix_initiatives_team_{role}", "initiatives", ["team_id", f"{role}_id"])
    refresh_statistics()
