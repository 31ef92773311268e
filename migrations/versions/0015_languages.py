"""languages (SPEC §4, Language): each person's Slack locale (cached with their time zone) and their own choice
(`/greenlight me language`); the workspace's language for channel posts

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("locale", sa.String(16), nullable=True))
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("language")
        batch.drop_column("locale")
