"""digest: a person may ask for at most one Greenlight DM per working day (`/greenlight me digest on`)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00

Off for everyone who was there before (the server default), as for everyone new.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("digest", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("digest")
