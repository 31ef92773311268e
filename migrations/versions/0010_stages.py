"""approvers in stages: each approval's stage, each stage's rule when they differ, approvals not asked yet
(queued) or not needed any more (skipped); required approvers, without whom the sponsor cannot proceed;
the round of an initiative resubmitted after a rejection

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00

Existing initiatives become one-stage initiatives with their rule: every approval is in stage 0, and
stage_rules is NULL (their rule applies). Only approvals is recreated on SQLite: initiatives is referenced
by other tables, which SQLite's foreign keys would not let batch mode drop.
(Chained on 0008, the head when this branch was cut; another branch may add 0009: re-chain at merge.)
"""

import sqlalchemy as sa
from alembic import op

from storage.models import NAMING

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DECISIONS = ("pending", "approved", "rejected", "queued", "skipped")
OLD_DECISIONS = ("pending", "approved", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("stage_rules", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("round", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("approvals", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.alter_column("requested_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.drop_constraint(op.f("ck_approvals_decision"), type_="check")
        batch_op.create_check_constraint("decision", _in("decision", DECISIONS))


def downgrade() -> None:
    # One stage again: everyone not yet asked counts as asked at registration, under the first stage's rule.
    op.execute(
        "UPDATE approvals SET requested_at = (SELECT created_at FROM initiatives "
        "WHERE initiatives.id = approvals.initiative_id) WHERE requested_at IS NULL"
    )
    op.execute("UPDATE approvals SET decision = 'pending' WHERE decision IN ('queued', 'skipped')")
    with op.batch_alter_table("approvals", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(op.f("ck_approvals_decision"), type_="check")
        batch_op.create_check_constraint("decision", _in("decision", OLD_DECISIONS))
        batch_op.alter_column("requested_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column("required")
        batch_op.drop_column("stage")
    with op.batch_alter_table("initiatives", naming_convention=NAMING) as batch_op:
        batch_op.drop_column("round")
        batch_op.drop_column("stage_rules")
