"""lists read only what they show: initiatives.waiting_since and the indexes that order lists

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-30 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_initiatives_team_waiting": ["team_id", "waiting_since"],
    "ix_initiatives_team_status_report": ["team_id", "status", "report_due"],
    "ix_initiatives_team_owner": ["team_id", "owner_id"],
    "ix_initiatives_team_sponsor": ["team_id", "sponsor_id"],
    "ix_initiatives_team_channel": ["team_id", "channel_id"],
}


def upgrade() -> None:
    with op.batch_alter_table("initiatives") as batch_op:
        batch_op.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    op.execute(
        "UPDATE initiatives SET waiting_since = (SELECT min(approvals.requested_at) FROM approvals "
        "WHERE approvals.initiative_id = initiatives.id AND approvals.decision = 'pending') "
        "WHERE status IN ('open', 'escalated')"
    )


def downgrade() -> None:
    with op.batch_alter_table("initiatives") as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("waiting_since")
