"""delivery that holds: claim tokens, paused workspaces, handled requests; repairs databases built by early 0001s

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 02:30:00

0001 was edited twice after it was first committed: databases built by those first versions lack
people.home_opened_at and workspaces.summaries_done_for although alembic_version says 0001. They
are added here when missing, so such a database upgrades like any other.
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    if "home_opened_at" not in _columns("people"):
        with op.batch_alter_table("people") as batch_op:
            batch_op.add_column(sa.Column("home_opened_at", sa.DateTime(timezone=True), nullable=True))
    if "summaries_done_for" not in _columns("workspaces"):
        with op.batch_alter_table("workspaces") as batch_op:
            batch_op.add_column(sa.Column("summaries_done_for", sa.String(length=8), nullable=True))

    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("delivery_paused_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_paused_reason", sa.String(length=64), nullable=True))
    op.create_table(
        "slack_requests",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_slack_requests"),
    )
    with op.batch_alter_table("slack_requests") as batch_op:
        batch_op.create_index("ix_slack_requests_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_requests") as batch_op:
        batch_op.drop_index("ix_slack_requests_created_at")
    op.drop_table("slack_requests")
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("delivery_paused_reason")
        batch_op.drop_column("delivery_paused_at")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("claim_token")
