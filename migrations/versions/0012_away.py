"""away, delegation and questions: absences (declared, or read from a Slack status) with their delegate, who answered
for an approver, an approver's open question to the owner, and the workspace's words that mean "away"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:00:00

(Chained on 0011, the head of this branch when it was cut; re-chained at merge.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

AWAY_WORDS = (
    ":palm_tree:, :airplane:, :face_with_thermometer:, out of office, vacation, holiday, urlaub, abwesend, congé, 休暇"
)


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delegate_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("welcomed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences") as batch_op:
        batch_op.create_index("ix_absences_person", ["team_id", "user_id", "ends_at"])
        batch_op.create_index("ix_absences_delegate", ["team_id", "delegate_id", "ends_at"])
        batch_op.create_index("ix_absences_welcome", ["welcomed", "ends_at"])
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.add_column(sa.Column("stand_in_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("answered_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("asked_owner_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("initiatives") as batch_op:
        batch_op.add_column(sa.Column("sponsor_stand_in_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(sa.Column("away_words", sa.String(length=500), server_default=AWAY_WORDS, nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("away_words")
    with op.batch_alter_table("initiatives") as batch_op:
        batch_op.drop_column("sponsor_stand_in_id")
    with op.batch_alter_table("approvals") as batch_op:
        batch_op.drop_column("asked_owner_at")
        batch_op.drop_column("answered_by")
        batch_op.drop_column("stand_in_id")
    op.drop_table("absences")
