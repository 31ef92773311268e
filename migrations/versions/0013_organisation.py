"""approvals shaped like organisations, the rest of it: a second escalation level (escalate-to, sponsor-wait);
templates of the workspace; Slack user groups as approvers (the member who answered, a daily cache of members)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00

(Chained on 0010, the stages revision of this branch; other branches add 0009, 0011 and 0012: re-chain at merge.)
"""

import sqlalchemy as sa
from alembic import op

from storage.models import NAMING

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("escalate_to", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("sponsor_wait", sa.Integer(), server_default="5", nullable=False))
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("escalate_further_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_to", sa.Text(), nullable=True))
        batch_op.create_index("ix_initiatives_escalate_further_at", ["escalate_further_at"])
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("creator_id", sa.String(length=32), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_templates_team_id_name")),
    )
    op.create_table(
        "user_groups",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "group_id", name=op.f("pk_user_groups")),
    )
    op.create_table(
        "group_members",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "group_id", "user_id", name=op.f("pk_group_members")),
    )
    op.create_index("ix_group_members_user", "group_members", ["team_id", "user_id"])
    # approvals.answered_by (who answered for a group's slot) is 0012's: the same column keeps a delegate's answer.


def downgrade() -> None:
    op.drop_index("ix_group_members_user", table_name="group_members")
    op.drop_table("group_members")
    op.drop_table("user_groups")
    op.drop_table("templates")
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.drop_index("ix_initiatives_escalate_further_at")
        batch_op.drop_column("escalated_to")
        batch_op.drop_column("escalate_further_at")
    with op.batch_alter_table("workspaces", naming_convention=NAMING) as batch_op:
        batch_op.drop_column("sponsor_wait")
        batch_op.drop_column("escalate_to")
