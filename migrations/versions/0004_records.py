"""records people can trust: guests in the people cache; self-sponsor, summary-names and retention settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:00:00

people.is_guest: Slack's is_restricted or is_ultra_restricted (guests see only what they take part in).
workspaces.self_sponsor, summary_names, retention_months: the workspace settings `self-sponsor`
(off), `summary-names` (on) and `retention` (off = NULL, or a number of months). The defaults are server defaults (as in the models), so
existing rows, and rows written by SQL that does not name these columns, get them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("is_guest", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("self_sponsor", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("summary_names", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("retention_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("retention_months")
        batch_op.drop_column("summary_names")
        batch_op.drop_column("self_sponsor")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("is_guest")
