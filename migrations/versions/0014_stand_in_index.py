"""who sees an initiative: an away approver's delegate is found through an index, not by reading every approval;
lists ordered by waiting time read initiatives waiting since the same moment in id order from the index

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 07:40:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_approvals_stand_in", "approvals", ["stand_in_id"])
    op.drop_index("ix_initiatives_team_waiting", table_name="initiatives")
    op.create_index("ix_initiatives_team_waiting", "initiatives", ["team_id", "waiting_since", "id"])


def downgrade() -> None:
    op.drop_index("ix_initiatives_team_waiting", table_name="initiatives")
    op.create_index("ix_initiatives_team_waiting", "initiatives", ["team_id", "waiting_since"])
    op.drop_index("ix_approvals_stand_in", table_name="approvals")
