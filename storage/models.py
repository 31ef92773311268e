"""Typed SQLAlchemy models: workspaces, initiatives, approvals, events, people, the outbox, and the Slack
installations (slack_sdk's tables, declared here so that migrations create them and the tests compare them)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.enums import Decision, Status

# What a Slack status says when its person is away (an emoji, or words its text contains): the default of the
# workspace setting `away-words`.
AWAY_WORDS = (
    ":palm_tree:, :airplane:, :face_with_thermometer:, out of office, vacation, holiday, urlaub, abwesend, congé, 休暇"
)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and hands them back aware, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _states(enum, name: str, length: int) -> Enum:
    """A string column holding one of the enum's values, checked by the database (CHECK constraint)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        length=length,
        create_constraint=True,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# Named constraints: Alembic's batch mode on SQLite can only alter constraints it can name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Workspace(Base):
    """One Slack workspace and its settings."""

    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    working_days: Mapped[str] = mapped_column(String(40), default="mon,tue,wed,thu,fri")
    working_hours: Mapped[str] = mapped_column(String(11), default="09:00-17:00")
    holidays: Mapped[str | None] = mapped_column(String(8))
    deadline_days: Mapped[int] = mapped_column(default=10)
    first_nudge: Mapped[int] = mapped_column(default=2)
    nudge_every: Mapped[int] = mapped_column(default=2)
    sponsor_every: Mapped[int] = mapped_column(default=2)
    report_after: Mapped[int] = mapped_column(default=20)
    report_every: Mapped[int] = mapped_column(default=5)
    summary_channel: Mapped[str | None] = mapped_column(String(32))
    summary_day: Mapped[str] = mapped_column(String(3), default="mon")
    summary_time: Mapped[str] = mapped_column(String(5), default="09:00")
    summaries_done_for: Mapped[str | None] = mapped_column(String(8))  # ISO week whose summaries are all queued
    # Set while Slack refuses the bot's token (invalid_auth, token_revoked…): nothing is sent, nothing dropped.
    delivery_paused_at: Mapped[datetime | None]
    delivery_paused_reason: Mapped[str | None] = mapped_column(String(64))
    # The pace of the latest 429 any sender got from this workspace, and until when it holds all of them (bot/pace.py).
    pace_rate: Mapped[float | None] = mapped_column(Float)
    pace_held_until: Mapped[datetime | None]
    next_number: Mapped[int] = mapped_column(default=1)
    self_sponsor: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # may an owner name themself sponsor?
    summary_names: Mapped[bool] = mapped_column(
        default=True, server_default=true()
    )  # off: stats and charts name no person
    retention_months: Mapped[int | None]  # closed initiatives older than this are deleted; NULL keeps them
    # The second escalation level: who is told (a user or a user group id) when a sponsor has not decided
    # sponsor_wait business days after being asked; NULL: nobody beyond the sponsor.
    escalate_to: Mapped[str | None] = mapped_column(String(32))
    sponsor_wait: Mapped[int] = mapped_column(default=5, server_default="5")
    away_words: Mapped[str] = mapped_column(String(500), default=AWAY_WORDS, server_default=AWAY_WORDS)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")  # of its channel posts
    created_at: Mapped[datetime]
    # OAuth mode: the Enterprise Grid organisation, whose org-wide installation speaks for this workspace.
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    # Set when Slack says the app was uninstalled (or its bot token revoked): nothing is sent or swept for the
    # workspace from then on, and its data is deleted once GREENLIGHT_UNINSTALL_GRACE_DAYS have passed.
    uninstalled_at: Mapped[datetime | None]


class Initiative(Base):
    """A plan that needs sign-off, with its owner, sponsor, channel, rule and deadline."""

    __tablename__ = "initiatives"
    __table_args__ = (
        UniqueConstraint("team_id", "number"),
        Index("ix_initiatives_team_status", "team_id", "status"),
        Index("ix_initiatives_escalate_at", "escalate_at"),
        Index("ix_initiatives_sponsor_ask_at", "next_sponsor_ask_at"),
        Index("ix_initiatives_report_reminder_at", "next_report_reminder_at"),
        Index("ix_initiatives_escalate_further_at", "escalate_further_at"),
        # Lists read only the rows they show, in order, through these.
        Index("ix_initiatives_team_waiting", "team_id", "waiting_since", "id"),
        Index("ix_initiatives_team_status_report", "team_id", "status", "report_due"),
        Index("ix_initiatives_team_owner", "team_id", "owner_id", "waiting_since", "id"),
        Index("ix_initiatives_team_sponsor", "team_id", "sponsor_id", "waiting_since", "id"),
        Index("ix_initiatives_team_channel", "team_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(ForeignKey("workspaces.team_id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(150))
    details: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(String(32))
    sponsor_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(3), default="all")  # all, any or N approvals (of each stage)
    # When the stages' rules differ: each stage's, comma-separated ("2,all,any"); NULL: `rule` applies to each.
    stage_rules: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[Status] = mapped_column(_states(Status, "status", 12), default=Status.OPEN)
    deadline: Mapped[date] = mapped_column(Date)
    # Due moments, kept only while they can still fire (NULL otherwise) so sweeps find work by index.
    escalate_at: Mapped[datetime | None]
    next_sponsor_ask_at: Mapped[datetime | None]
    next_report_reminder_at: Mapped[datetime | None]
    escalate_further_at: Mapped[datetime | None]  # escalated: when `escalate-to` is told the sponsor has not decided
    # Who was told (user ids, comma-separated) since the last escalation: they may decide as the sponsor could.
    escalated_to: Mapped[str | None] = mapped_column(Text)
    # While approvers are asked: when the longest wait began (the earliest pending request); lists sort by it.
    waiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    proceeded_at: Mapped[datetime | None]
    report_due: Mapped[date | None] = mapped_column(Date)
    report_text: Mapped[str | None] = mapped_column(Text)
    extensions: Mapped[int] = mapped_column(default=0)
    round: Mapped[int] = mapped_column(default=1, server_default="1")  # 2 and on: resubmitted after a rejection
    sponsor_asks: Mapped[int] = mapped_column(default=0)
    report_reminders: Mapped[int] = mapped_column(default=0)
    last_manual_nudge_on: Mapped[date | None] = mapped_column(Date)
    sponsor_stand_in_id: Mapped[str | None] = mapped_column(String(32))  # the away sponsor's delegate

    approvals: Mapped[list[Approval]] = relationship(
        back_populates="initiative", order_by="Approval.position", lazy="selectin"
    )

    @property
    def reference(self) -> str:
        return f"GL-{self.number}"

    @property
    def pending(self) -> list[Approval]:
        return [a for a in self.approvals if a.decision == Decision.PENDING]


class Approval(Base):
    """One approver's sign-off on one initiative."""

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("initiative_id", "approver_id"),
        Index("ix_approvals_next_nudge_at", "next_nudge_at"),
        Index("ix_approvals_approver_waiting", "approver_id", "decision", "requested_at", "id"),
        Index("ix_approvals_stand_in", "stand_in_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    approver_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(default=0)
    stage: Mapped[int] = mapped_column(default=0, server_default="0")  # asked after every earlier stage is complete
    required: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # the sponsor cannot proceed without this approval
    requested_at: Mapped[datetime | None]  # NULL while its stage has not been asked (decision queued)
    # approver_id may be a Slack user group (S…): one slot any member answers; who answered is kept in answered_by.
    decision: Mapped[Decision] = mapped_column(_states(Decision, "decision", 8), default=Decision.PENDING)
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    nudges_sent: Mapped[int] = mapped_column(default=0)
    last_call_sent: Mapped[bool] = mapped_column(default=False)
    snoozed_until: Mapped[datetime | None]
    next_nudge_at: Mapped[datetime | None]
    # The delegate of the approver while they are away (services/away.py keeps it in step with their absences).
    stand_in_id: Mapped[str | None] = mapped_column(String(32))
    # Who answered for the approver: their delegate, or the member of a group that is the approver.
    answered_by: Mapped[str | None] = mapped_column(String(32))
    # While the approver's question to the owner is open: the wait is on the owner (no nudges to the approver).
    asked_owner_at: Mapped[datetime | None]

    initiative: Mapped[Initiative] = relationship(back_populates="approvals")


class Event(Base):
    """An append-only record of who did what, and when."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_initiative", "initiative_id", "id"), Index("ix_events_team_at", "team_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class Person(Base):
    """What Slack told us about a person, refreshed at most daily."""

    __tablename__ = "people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    is_bot: Mapped[bool] = mapped_column(default=False)
    deleted: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_guest: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )  # Slack's is_restricted or is_ultra_restricted
    fetched_at: Mapped[datetime]
    home_opened_at: Mapped[datetime | None]  # when they first opened the App Home: only then is it kept fresh
    # Their own calendar (`/greenlight me`), never touched by a refresh from Slack; NULL follows the workspace.
    working_hours: Mapped[str | None] = mapped_column(String(11))
    working_days: Mapped[str | None] = mapped_column(String(40))
    holidays: Mapped[str | None] = mapped_column(String(16))  # '' = no public holidays
    # When their last reminder (scheduled or manual, about any initiative) was delivered or is held for:
    # at most one reminder per person per working day (SPEC §3).
    last_reminder_at: Mapped[datetime | None]
    # `/greenlight me digest on`: at most one Greenlight DM per working day; the rest joins the next one (SPEC §3).
    digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    locale: Mapped[str | None] = mapped_column(String(16))  # Slack's, e.g. 'de-DE' (users.info include_locale)
    language: Mapped[str | None] = mapped_column(String(8))  # `/greenlight me language de`; NULL: auto, from locale


class Template(Base):
    """A workspace's named way of asking for sign-off (approvers in stages, required ones, sponsor, rule, channel),
    saved with `/greenlight template save` and used by anyone with `new <title> using <name>`."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))  # lower case: `using Hiring` finds `hiring`
    creator_id: Mapped[str] = mapped_column(String(32))
    # The draft's fields: approver_ids, stage_of, required, sponsor_id, rule, channel_id.
    draft: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class UserGroup(Base):
    """A Slack user group named as an approver (or escalate-to): its members as usergroups.users.list last said,
    re-read at most daily."""

    __tablename__ = "user_groups"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    fetched_at: Mapped[datetime]


class GroupMember(Base):
    """One member of a cached user group."""

    __tablename__ = "group_members"
    __table_args__ = (Index("ix_group_members_user", "team_id", "user_id"),)

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class Absence(Base):
    """A person away from `starts_at` to `ends_at` (declared with `/greenlight me away`, or read from a Slack status
    that says so), with the delegate who stands in for them, if any. Kept after it ends: the summary's ranking does
    not count the days of an absence without a delegate against the person."""

    __tablename__ = "absences"
    __table_args__ = (
        Index("ix_absences_person", "team_id", "user_id", "ends_at"),
        Index("ix_absences_delegate", "team_id", "delegate_id", "ends_at"),
        Index("ix_absences_welcome", "welcomed", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]  # the moment they are back
    delegate_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(8))  # 'declared' or 'status'
    welcomed: Mapped[bool] = mapped_column(default=False, server_default=false())  # told what happened, once back
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """An outgoing Slack message, recorded with the change that causes it and sent once.

    `key` names the logical message ("nudge:41:3"); the unique constraint is what stops a
    second sweep or process from creating it twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(120))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    method: Mapped[str] = mapped_column(String(32), default="chat.postMessage")
    recipient: Mapped[str] = mapped_column(String(32))  # a user id (DM) or a channel id
    target_key: Mapped[str | None] = mapped_column(String(120))  # message to update, or to reply under
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(14), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))  # the claim that may send it (fencing)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class SlackRequest(Base):
    """A request from Slack already handled (a retry or a replay of it acts once), with the reply it got."""

    __tablename__ = "slack_requests"
    __table_args__ = (Index("ix_slack_requests_created_at", "created_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))
    reply: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class Heartbeat(Base):
    """When a recurring job last ran ("sweep": the clock), so that `doctor` can tell whether one is running."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]


# slack_sdk's installation and OAuth state tables, exactly as its SQLAlchemy stores define them (bot/installations.py
# uses those stores). They are declared on our metadata so that the Alembic revision 0005 creates them (the stores'
# create_tables() is never called) and tests/test_migrations.py holds them to that revision.
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, "slack_installations")
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, "slack_oauth_states")
