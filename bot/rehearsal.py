"""A rehearsal for admins (`python -m bot rehearse`): a sample initiative played over six weeks on a simulated
clock, with the workspace's settings and the people's real calendars, sending nothing. It prints what each person
would receive and when, in their local time.

It runs the real services and the real sweep on a throwaway database (built by the migrations), so what it prints
is what Greenlight would do; delivery is replaced by reading the outbox when each message would be sent."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.calendar import zone
from bot.jobs import queue_due
from bot.parsing import Draft
from bot.services import escalation
from bot.services import initiatives as service
from bot.services.workspaces import workspace
from storage.db import make_engine, make_sessionmaker, migrate, transaction
from storage.models import Initiative, OutboxMessage, Person, Workspace

SETTINGS = (
    "timezone",
    "working_days",
    "working_hours",
    "holidays",
    "deadline_days",
    "first_nudge",
    "nudge_every",
    "sponsor_every",
    "report_after",
    "report_every",
    "summary_day",
    "summary_time",
)
CALENDAR = ("tz", "working_hours", "working_days", "holidays")
CHANNEL = "CREHEARSAL"
PERSON = re.compile(r"^(?P<user>[UW][A-Z0-9]+)=(?P<tz>[A-Za-z_/+-]+)(?::(?P<holidays>[A-Za-z0-9-]*))?$")


@dataclass(frozen=True)
class Cast:
    """Who plays the sample initiative, and each person's calendar ({user: {tz, working_hours, …}})."""

    owner: str
    sponsor: str
    approvers: tuple[str, ...]
    calendars: dict[str, dict] = field(default_factory=dict)


def person_option(text: str) -> tuple[str, dict]:
    """'UPARIS=Europe/Paris:FR' → ('UPARIS', {'tz': 'Europe/Paris', 'holidays': 'FR'}) (ValueError if not)."""
    match = PERSON.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not USER=Time/Zone[:HOLIDAYS], for example UPARIS=Europe/Paris:FR")
    calendar = {"tz": match["tz"]}
    if match["holidays"] is not None:
        calendar["holidays"] = match["holidays"].upper()
    return match["user"], calendar


class _Stage:
    """What the sweep needs of a Greenlight (act), on the throwaway database and the simulated clock."""

    def __init__(self, engine, start: datetime):
        self.sessions, self.now = make_sessionmaker(engine), start

    def act(self, work: Callable):
        with transaction(self.sessions) as session:
            return work(session, self.now)


def rehearse(
    team_id: str,
    cast: Cast,
    start: datetime,
    *,
    settings: Workspace | None = None,
    weeks: int = 6,
    real_people: dict[str, Person] | None = None,
) -> list[tuple[datetime, str, str, str]]:
    """Play the sample: registered at `start`, nobody answers, the sponsor proceeds at her first working moment
    after being asked, the owner reports when reminded. Returns (moment, recipient, their zone, first line) of
    every message in order."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'rehearsal.db'}")
        try:
            migrate(engine)
            stage = _Stage(engine, start)
            _cast(stage, team_id, cast, settings, real_people or {})
            return _play(stage, team_id, cast, start, weeks)
        finally:
            engine.dispose()


def _cast(stage: _Stage, team_id: str, cast: Cast, settings: Workspace | None, real: dict[str, Person]) -> None:
    def setup(session, now):
        ws = workspace(session, team_id, now=now, default_tz=settings.timezone if settings else "UTC")
        for name in SETTINGS:
            if settings is not None:
                setattr(ws, name, getattr(settings, name))
        ws.summary_channel = CHANNEL
        for user in dict.fromkeys([cast.owner, cast.sponsor, *cast.approvers]):
            known = {c: getattr(real[user], c) for c in CALENDAR} if user in real else {}
            calendar = {**known, **cast.calendars.get(user, {})}
            session.add(
                Person(
                    team_id=team_id,
                    user_id=user,
                    display_name=user.lower(),
                    tz=calendar.get("tz") or ws.timezone,
                    working_hours=calendar.get("working_hours"),
                    working_days=calendar.get("working_days"),
                    holidays=calendar.get("holidays"),
                    fetched_at=now,
                )
            )

    stage.act(setup)


def _play(stage: _Stage, team_id: str, cast: Cast, start: datetime, weeks: int):
    draft = Draft(
        title="Sample initiative (rehearsal)", approver_ids=cast.approvers, sponsor_id=cast.sponsor, channel_id=CHANNEL
    )
    stage.act(lambda s, now: service.register(s, team_id=team_id, owner_id=cast.owner, draft=draft, now=now))
    printed: list[tuple[datetime, str, str, str]] = []
    end = start + timedelta(weeks=weeks)
    while stage.now < end:
        stage.now += timedelta(hours=1)
        queue_due(stage)
        printed += stage.act(_deliver)
        stage.act(lambda s, now, printed=printed: _play_people(s, team_id, cast, now, printed))
    return printed


def _deliver(session, now) -> list[tuple[datetime, str, str, str]]:
    """Instead of Slack: every message due now is marked sent (so updates of it can follow) and read out."""
    due = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        )
    )
    zones = {p.user_id: p.tz for p in session.scalars(select(Person))}
    tz_of_workspace = {ws.team_id: ws.timezone for ws in session.scalars(select(Workspace))}
    out = []
    for msg in due:
        msg.status, msg.sent_at, msg.ts, msg.channel = "sent", now, f"{now.timestamp():.6f}", msg.recipient
        if msg.method == "chat.update":  # an earlier message losing its buttons notifies nobody
            continue
        recipient = msg.recipient.split(",")[-1]
        tz = zones.get(recipient) or tz_of_workspace[msg.team_id]
        out.append((now, msg.recipient, tz, msg.payload.get("text", "")))
    return out


def _play_people(session, team_id, cast: Cast, now, printed) -> None:
    """The sample's people: the sponsor proceeds once asked; the owner reports once reminded."""
    ini = session.scalar(select(Initiative).where(Initiative.team_id == team_id))
    asked = any(
        r == cast.sponsor and "decision" in w or r == cast.sponsor and "deadline passed" in w for _, r, _, w in printed
    )
    if ini.status == "escalated" and asked:
        escalation.proceed(session, ini, cast.sponsor, "Rehearsal: the sponsor proceeds", now)
    elif ini.status == "proceeding" and any(
        r == cast.owner and w.startswith(f"{ini.reference}: report") for _, r, _, w in printed
    ):
        escalation.report(session, ini, cast.owner, "Rehearsal: the results", now)


def script(printed, names: dict[str, str] | None = None) -> str:
    """The rehearsal as an admin reads it: per person, each message at its local time."""
    names = names or {}
    lines = []
    for recipient in dict.fromkeys(r for _, r, _, _ in printed):
        lines.append(f"{names.get(recipient, recipient)}:")
        for at, r, tz, what in printed:
            if r == recipient:
                local = at.astimezone(zone(tz))
                lines.append(f"  {local:%a %d %b %Y %H:%M} ({tz})  {what}")
    return "\n".join(lines)


def from_operator(gl, args) -> str:
    """`python -m bot rehearse`: the workspace's settings and the people's calendars as Greenlight knows them,
    with those given on the command line instead; the rehearsal as text."""
    with gl.reading() as session:
        spaces = list(
            session.scalars(select(Workspace).where(Workspace.team_id == args.team) if args.team else select(Workspace))
        )
        settings = spaces[0] if len(spaces) == 1 else None
        team_id = settings.team_id if settings else (args.team or "TREHEARSAL")
        approvers = tuple(a.strip() for a in args.approvers.split(",") if a.strip())
        people = {
            p.user_id: p
            for p in session.scalars(
                select(Person).where(
                    Person.team_id == team_id, Person.user_id.in_([args.owner, args.sponsor, *approvers])
                )
            )
        }
        session.expunge_all()
    start = datetime.fromisoformat(args.start) if args.start else gl.clock.now()
    cast = Cast(args.owner, args.sponsor, approvers, args.calendars)
    played = rehearse(team_id, cast, start, settings=settings, weeks=args.weeks, real_people=people)
    where = f"workspace {team_id}'s settings" if settings else "default settings (no workspace in the database)"
    return (
        f"Rehearsal from {start:%a %d %b %Y %H:%M} UTC over {args.weeks} weeks with {where}; nothing was sent.\n"
        + script(played)
    )
