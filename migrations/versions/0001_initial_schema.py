"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 19:13:48.410959
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('home_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('team_id', 'user_id')
    )
    op.create_table('workspaces',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('working_days', sa.String(length=40), nullable=False),
    sa.Column('working_hours', sa.String(length=11), nullable=False),
    sa.Column('holidays', sa.String(length=8), nullable=True),
    sa.Column('deadline_days', sa.Integer(), nullable=False),
    sa.Column('first_nudge', sa.Integer(), nullable=False),
    sa.Column('nudge_every', sa.Integer(), nullable=False),
    sa.Column('sponsor_every', sa.Integer(), nullable=False),
    sa.Column('report_after', sa.Integer(), nullable=False),
    sa.Column('report_every', sa.Integer(), nullable=False),
    sa.Column('summary_channel', sa.String(length=32), nullable=True),
    sa.Column('summary_day', sa.String(length=3), nullable=False),
    sa.Column('summary_time', sa.String(length=5), nullable=False),
    sa.Column('summaries_done_for', sa.String(length=8), nullable=True),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )
    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('sponsor_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('escalate_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_sponsor_ask_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_report_reminder_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proceeded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_due', sa.Date(), nullable=True),
    sa.Column('report_text', sa.Text(), nullable=True),
    sa.Column('extensions', sa.Integer(), nullable=False),
    sa.Column('sponsor_asks', sa.Integer(), nullable=False),
    sa.Column('report_reminders', sa.Integer(), nullable=False),
    sa.Column('last_manual_nudge_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['workspaces.team_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'number')
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index('ix_initiatives_escalate_at', ['escalate_at'], unique=False)
        batch_op.create_index('ix_initiatives_report_reminder_at', ['next_report_reminder_at'], unique=False)
        batch_op.create_index('ix_initiatives_sponsor_ask_at', ['next_sponsor_ask_at'], unique=False)
        batch_op.create_index('ix_initiatives_team_status', ['team_id', 'status'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('nudges_sent', sa.Integer(), nullable=False),
    sa.Column('last_call_sent', sa.Boolean(), nullable=False),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_nudge_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('initiative_id', 'approver_id')
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index('ix_approvals_approver', ['approver_id', 'decision'], unique=False)
        batch_op.create_index('ix_approvals_next_nudge_at', ['next_nudge_at'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_initiative', ['initiative_id', 'id'], unique=False)
        batch_op.create_index('ix_events_team_at', ['team_id', 'at'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('target_key', sa.String(length=120), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('ts', sa.String(length=32), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_team_at')
        batch_op.drop_index('ix_events_initiative')

    op.drop_table('events')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_next_nudge_at')
        batch_op.drop_index('ix_approvals_approver')

    op.drop_table('approvals')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index('ix_initiatives_team_status')
        batch_op.drop_index('ix_initiatives_sponsor_ask_at')
        batch_op.drop_index('ix_initiatives_report_reminder_at')
        batch_op.drop_index('ix_initiatives_escalate_at')

    op.drop_table('initiatives')
    op.drop_table('workspaces')
    op.drop_table('people')
