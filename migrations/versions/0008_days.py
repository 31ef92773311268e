"""respect each person's day: a personal calendar for each person (working hours, working days, holidays),
and when each person last got a reminder (one reminder per person per day)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 03:30:00

NULL follows the workspace; holidays '' means no public holidays for that person.
(Chained on 0007, the head of main when this branch was cut; re-chained at merge.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("working_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("working_days", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("holidays", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_reminder_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("last_reminder_at")
        batch_op.drop_column("holidays")
        batch_op.drop_column("working_days")
        batch_op.drop_column("working_hours")
