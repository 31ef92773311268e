"""`mine` reads a person's own and sponsored initiatives in list order through an index (longest wait first), not by
sorting all of them: the owner and sponsor indexes go on to the waiting time and id

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 13:20:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for role in ("owner", "sponsor"):
        op.drop_index(f"ix_initiatives_team_{role}", table_name="initiatives")
        op.create_index(f"ix_initiatives_team_{role}", "initiatives", ["team_id", f"{role}_id", "waiting_since", "id"])


def downgrade() -> None:
    for role in ("owner", "sponsor"):
        op.drop_index(f"ix_initiatives_team_{role}", table_name="initiatives")
        op.create_index(f"ix_initiatives_team_{role}", "initiatives", ["team_id", f"{role}_id"])
