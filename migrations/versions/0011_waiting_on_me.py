"""`mine` reads what waits on a person in request order from an index, not by sorting all of their approvals;
senders share a workspace's pace (workspaces.pace_rate, pace_held_until)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("pace_rate", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("pace_held_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.drop_index("ix_approvals_approver")
        batch_op.create_index("ix_approvals_approver_waiting", ["approver_id", "decision", "requested_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.drop_index("ix_approvals_approver_waiting")
        batch_op.create_index("ix_approvals_approver", ["approver_id", "decision"])
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("pace_held_until")
        batch_op.drop_column("pace_rate")
