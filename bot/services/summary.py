"""The weekly summary: what goes in a channel's summary, which channels are due, and queuing it once.

When a summary is due
    Each workspace has one summary moment per ISO week: `summary_day` at `summary_time` in the
    workspace's time zone (default Monday 09:00). A channel's summary for that week is due from
    that moment until the week ends (Sunday 24:00, workspace time), so a bot that was down at the
    moment posts it when it comes back within the same week; once the week is over that summary
    is never posted. The outbox key `summary:<channel>:<ISO year-week>` makes it happen once.

Which channels
    A channel gets a summary if, at the summary moment, it had initiatives not yet closed (open,
    escalated, proceeding): that is, it still has one now that was registered before the moment.
    The workspace's summary channel is treated like any other channel: it gets the summary of the
    initiatives announced there.
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import charts, i18n, keys
from bot.blocks import summary as blocks
from bot.calendar import WEEKDAYS, zone
from bot.i18n import t
from bot.services import Refusal, away, stats
from bot.services.outbox import enqueue, message
from bot.services.overview import Wait, longest_wait, waits_of
from bot.services.workspaces import people_zones, today, work_week, workspace
from storage.enums import ACTIVE, CLOSED, Status
from storage.models import Event, Initiative, OutboxMessage, Person, Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stalled:
    initiative: Initiative
    waits: list[Wait]  # pending approvers only


@dataclass(frozen=True)
class WithSponsor:
    initiative: Initiative
    seconds: float  # business time the sponsor has had the decision, in the sponsor's time zone
    waits: list[Wait]


@dataclass(frozen=True)
class Proceeding:
    initiative: Initiative
    overdue: bool
    waits: list[Wait]  # approvers who had not signed when the sponsor went ahead, still pending


@dataclass(frozen=True)
class Decided:
    initiative: Initiative
    at: datetime


@dataclass(frozen=True)
class Blocker:
    approver_id: str
    seconds: float  # total business time of waiting this approver holds
    initiatives: int


@dataclass(frozen=True)
class Summary:
    """Everything one channel's summary says, computed for one moment."""

    team_id: str
    channel_id: str
    week: str  # ISO year-week, "2026-W50"
    monday: date
    timezone: str
    decided_since: datetime
    stalled: list[Stalled]
    with_sponsor: list[WithSponsor]
    proceeding: list[Proceeding]
    decided: list[Decided]
    blockers: list[Blocker]  # empty with `summary-names off`: nobody is ranked
    counts: dict[str, int]  # how many are stalled, with the sponsor, proceeding (the lists keep the first SHOWN)
    # The waiting each role holds, for `summary-names off`: {'approvers' | 'sponsors': (business seconds, initiatives)}
    roles: dict[str, tuple[float, int]]
    names: bool = True  # `summary-names`: off, the summary shows waits per initiative and role, naming nobody

    @property
    def waiting(self) -> bool:
        """Whether the channel has initiatives not yet closed (only such channels get a summary)."""
        return bool(self.stalled or self.with_sponsor or self.proceeding)


def week_of(ws: Workspace, now: datetime) -> str:
    """The ISO year-week of `now` in the workspace's time zone: '2026-W50'."""
    year, week, _ = today(ws, now).isocalendar()
    return f"{year}-W{week:02d}"


def summary_moment(ws: Workspace, now: datetime, *, weeks_back: int = 0) -> datetime:
    """This ISO week's summary moment (summary_day at summary_time, workspace time), as UTC.

    With weeks_back, the moment of an earlier week, on the local clock (so DST changes do not shift it).
    """
    local = today(ws, now) - timedelta(weeks=weeks_back)
    monday = local - timedelta(days=local.weekday())
    day = monday + timedelta(days=WEEKDAYS.index(ws.summary_day))
    tz = zone(ws.timezone)
    return datetime.combine(day, time.fromisoformat(ws.summary_time), tzinfo=tz).astimezone(now.tzinfo)


def is_due(ws: Workspace, now: datetime) -> bool:
    """Whether this week's summary moment has come (the week has not ended: it is `now`'s week)."""
    return now >= summary_moment(ws, now)


def decided_window(ws: Workspace, now: datetime) -> tuple[datetime, datetime]:
    """'Decided last week': from last week's summary moment to this week's, [previous moment, moment).

    Every decision falls into exactly one week's summary: the first one scheduled after it,
    even when that summary is posted late. Before the moment (a preview on Monday morning)
    the window ends now.
    """
    return summary_moment(ws, now, weeks_back=1), min(summary_moment(ws, now), now)


def channel_summary(
    session: Session, ws: Workspace, channel_id: str, now: datetime, only: Callable[[Initiative], bool] | None = None
) -> Summary:
    """What the summary of one channel says at `now`, with the same waits as `/greenlight show`; with `only`,
    just the initiatives it admits (a preview for someone who may not see them all).

    The channel's initiatives are read a batch at a time and only the rows its messages can show are kept (with
    how many there are, and every approver's waits summed for the blockers): memory does not grow with the channel."""
    week = work_week(ws)
    tz = zone(ws.timezone)
    local_today = today(ws, now)
    stalled = Top(lambda s: (-longest_wait(s.waits), s.initiative.number))
    with_sponsor = Top(lambda w: (-w.seconds, w.initiative.number))
    proceeding = Top(lambda p: (p.initiative.report_due or date.max, p.initiative.number))
    held: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])  # approver: [business seconds, initiatives]
    roles = {"approvers": [0.0, 0], "sponsors": [0.0, 0]}
    for batch in _active(session, ws.team_id, channel_id):
        active = [i for i in batch if only is None or only(i)]
        waits = waits_of(session, active, now, pending_only=True)
        escalated = [i for i in active if i.status is Status.ESCALATED]
        sponsor_tz = people_zones(session, ws.team_id, {i.sponsor_id for i in escalated}, ws.timezone)
        for i in active:
            if i.status is Status.OPEN:
                stalled.add(Stalled(i, waits[i.id]))
            elif i.status is Status.ESCALATED:
                since = i.escalated_at or week.end_of_day(i.deadline, tz)
                deciding = week.business_seconds(since, now, sponsor_tz[i.sponsor_id])
                with_sponsor.add(WithSponsor(i, deciding, waits[i.id]))
                roles["sponsors"][0] += deciding
                roles["sponsors"][1] += 1
            else:
                overdue = bool(i.report_due and i.report_due < local_today)
                proceeding.add(Proceeding(i, overdue, waits[i.id]))
            if i.status in (Status.OPEN, Status.ESCALATED) and waits[i.id]:
                roles["approvers"][0] += sum(w.seconds for w in waits[i.id])
                roles["approvers"][1] += 1
        for by_person in away.holders(session, active, now).values():  # who holds each wait (SPEC §3, Away)
            for person, seconds in by_person.items():
                held[person][0] += seconds
                held[person][1] += 1

    start, end = decided_window(ws, now)
    decided = [d for d in _decided(session, ws.team_id, channel_id, start, end) if only is None or only(d.initiative)]
    blockers = sorted(
        (Blocker(uid, seconds, count) for uid, (seconds, count) in held.items()),
        key=lambda b: (-b.seconds, -b.initiatives, b.approver_id),
    )

    monday = local_today - timedelta(days=local_today.weekday())
    return Summary(
        ws.team_id,
        channel_id,
        week_of(ws, now),
        monday,
        ws.timezone,
        start,
        stalled.rows(),
        with_sponsor.rows(),
        proceeding.rows(),
        decided,
        blockers if ws.summary_names else [],
        {"stalled": stalled.total, "with_sponsor": with_sponsor.total, "proceeding": proceeding.total},
        {role: tuple(held_by_role) for role, held_by_role in roles.items()},
        ws.summary_names,
    )


SHOWN = 300  # rows of a part a summary keeps: more than its main message and thread replies can show
BATCH = 500  # initiatives read at a time


class Top:
    """The first SHOWN items by `key` of everything added, and how many were added, in bounded memory."""

    def __init__(self, key: Callable):
        self.key, self.items, self.total = key, [], 0

    def add(self, item) -> None:
        self.items.append(item)
        self.total += 1
        if len(self.items) >= 2 * SHOWN:
            self.items = self.rows()

    def rows(self) -> list:
        return sorted(self.items, key=self.key)[:SHOWN]


def _active(session: Session, team_id: str, channel_id: str):
    """The channel's initiatives not yet closed, a batch at a time (the session keeps no reference to those let go)."""
    last = 0
    while True:
        batch = list(
            session.scalars(
                select(Initiative)
                .where(
                    Initiative.team_id == team_id,
                    Initiative.channel_id == channel_id,
                    Initiative.status.in_(ACTIVE),
                    Initiative.id > last,
                )
                .order_by(Initiative.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _decided(session: Session, team_id: str, channel_id: str, start: datetime, end: datetime) -> list[Decided]:
    """Initiatives of the channel closed in [start, end); a report counts from its 'reported' event."""
    closed = list(
        session.scalars(
            select(Initiative).where(
                Initiative.team_id == team_id,
                Initiative.channel_id == channel_id,
                Initiative.status.in_(CLOSED),
                ((Initiative.closed_at >= start) & (Initiative.closed_at < end))
                | ((Initiative.status == Status.REPORTED) & Initiative.closed_at.is_(None)),
            )
        )
    )
    reported_ids = [i.id for i in closed if i.status is Status.REPORTED]
    reported_at = (
        dict(
            session.execute(
                select(Event.initiative_id, func.max(Event.at))
                .where(Event.initiative_id.in_(reported_ids), Event.kind == "reported")
                .group_by(Event.initiative_id)
            ).all()
        )
        if reported_ids
        else {}
    )
    decided = []
    for ini in closed:
        at = reported_at.get(ini.id) or ini.closed_at
        if at is not None and start <= at < end:
            decided.append(Decided(ini, at))
    decided.sort(key=lambda d: (d.at, d.initiative.number))
    return decided


def queue_summary(session: Session, summary: Summary, now: datetime) -> None:
    """Queue the main message and its thread replies under the week's unique key."""
    main, *replies = blocks.summary_messages(summary)
    key = keys.summary(summary.channel_id, summary.week)
    rows = [message(summary.team_id, key, summary.channel_id, main, now=now)]
    rows += [
        message(
            summary.team_id,
            keys.summary(summary.channel_id, summary.week, n),
            summary.channel_id,
            reply,
            now=now,
            target_key=key,
        )
        for n, reply in enumerate(replies, start=1)
    ]
    enqueue(session, rows)


def chart_month(ws: Workspace, now: datetime) -> str | None:
    """'2027-01' when this week's summary is the month's first (its day falls in the first seven), else None."""
    local = summary_moment(ws, now).astimezone(zone(ws.timezone)).date()
    return f"{local:%Y-%m}" if local.day <= 7 else None


def queue_chart(session: Session, ws: Workspace, channel_id: str, now: datetime) -> None:
    """The month's chart, uploaded in the thread of this week's summary once that is sent (an outbox row of
    method files.upload: a Slack failure loses nothing, and the key makes it once per channel and month)."""
    month = chart_month(ws, now)
    png = charts.waiting_chart(
        stats.chart_data(session, ws, channel_id, now),
        t("Median time to answer, by week (business days; the number answered on top)"),
    )
    payload = {
        "filename": f"greenlight-waits-{month}.png",
        "title": t("Waiting time, the quarter to {month}", month=month),
        "alt_txt": t(
            "Bar chart: median business days approvers took to answer, per week of the last quarter; "
            "and the median business days of each stage, slowest first."
        ),
        "png": base64.b64encode(png).decode("ascii"),
    }
    enqueue(
        session,
        [
            message(
                ws.team_id,
                keys.chart(channel_id, month),
                channel_id,
                payload,
                now=now,
                method="files.upload",
                target_key=keys.summary(channel_id, week_of(ws, now)),
            )
        ],
    )


def _channels_missing_summary(session: Session, due: dict[str, Workspace], now: datetime) -> dict[str, list[str]]:
    """{team: [channel]} that were waiting at this week's moment and have no summary queued yet."""
    moments = {team: summary_moment(ws, now) for team, ws in due.items()}
    rows = session.execute(
        select(Initiative.team_id, Initiative.channel_id, func.min(Initiative.created_at))
        .where(Initiative.team_id.in_(list(due)), Initiative.status.in_(ACTIVE))
        .group_by(Initiative.team_id, Initiative.channel_id)
    ).all()
    wanted = {
        (team, keys.summary(channel, week_of(due[team], now))): channel
        for team, channel, first in rows
        if first < moments[team]
    }
    if not wanted:
        return {}
    done = set(
        session.execute(
            select(OutboxMessage.team_id, OutboxMessage.key).where(
                OutboxMessage.team_id.in_(list(due)), OutboxMessage.key.in_({key for _, key in wanted})
            )
        ).all()
    )
    missing: dict[str, list[str]] = defaultdict(list)
    for (team, key), channel in sorted(wanted.items()):
        if (team, key) not in done:
            missing[team].append(channel)
    return missing


def _due_or_logged(ws: Workspace, now: datetime) -> bool:
    """is_due, except that a workspace with an unreadable schedule is skipped (and said), not fatal to the sweep."""
    try:
        return is_due(ws, now)
    except ValueError:
        log.error(
            "workspace %s: summary day %r / time %r unreadable; no summary", ws.team_id, ws.summary_day, ws.summary_time
        )
        return False


def enqueue_due_summaries(session: Session, now: datetime) -> int:
    """Queue this week's summary for every channel that is due and has none yet; returns how many.

    Cheap when there is nothing to do: one query, once the week's summaries are all queued. Otherwise the workspace row is locked
    and the check repeated, so two sweeps racing never build a summary twice: the second
    waits for the first to commit and then finds its keys.
    """
    due = {
        ws.team_id: ws
        for ws in session.scalars(select(Workspace).where(Workspace.uninstalled_at.is_(None)))
        if _due_or_logged(ws, now) and ws.summaries_done_for != week_of(ws, now)
    }
    if not due:
        return 0
    queued = 0
    missing = _channels_missing_summary(session, due, now)
    for team, ws in due.items():
        if team in missing:
            ws = session.scalar(select(Workspace).where(Workspace.team_id == team).with_for_update())
            for channel in _channels_missing_summary(session, {team: ws}, now).get(team, []):
                with i18n.speaking(ws.language):  # a channel post: in the workspace's language
                    queue_summary(session, channel_summary(session, ws, channel, now), now)
                    if chart_month(ws, now):
                        queue_chart(session, ws, channel, now)
                queued += 1
        # Only initiatives from before this week's moment count, so no channel can become due later this week.
        ws.summaries_done_for = week_of(ws, now)
    return queued


def preview(
    session: Session,
    team_id: str,
    channel_id: str,
    now: datetime,
    *,
    default_tz: str = "UTC",
    only: Callable[[Initiative], bool] | None = None,
) -> tuple[Summary, Workspace]:
    """The summary this channel would get if it were posted now (of what `only` admits), and the workspace's schedule."""
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    return channel_summary(session, ws, channel_id, now, only), ws


def operator_text(session: Session, channel_id: str, team_id: str | None, now: datetime) -> str:
    """`python -m bot summary`: the channel's summary as plain text, from the database alone."""
    teams = list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))
    if team_id is None:
        if len(teams) != 1:
            raise Refusal(
                "the database holds no workspace yet: nothing to summarise."
                if not teams
                else f"the database holds several workspaces ({', '.join(teams)}): pass --team."
            )
        team_id = teams[0]
    elif team_id not in teams:
        raise Refusal(f"there is no workspace {team_id} in the database.")
    ws = session.get(Workspace, team_id)
    summary = channel_summary(session, ws, channel_id, now)
    if not summary.waiting:
        return (
            f"{channel_id} gets no weekly summary: no initiative announced there is waiting. "
            f"Summaries are posted {blocks.schedule_text(ws)}."
        )
    messages = blocks.summary_messages(summary)
    people = session.scalars(select(Person).where(Person.team_id == team_id))
    return blocks.as_text(messages, {p.user_id: p.display_name for p in people})
