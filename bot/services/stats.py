"""Analytics: time to decision, who needed the sponsor, reports on time; and the data of the monthly chart.

Durations are business time (the workspace's calendar; an approver's own time zone for their answers),
as everywhere else. With `summary-names off` no person is named: approvers are counted together."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import zone
from bot.i18n import t
from bot.services.overview import waits_of
from bot.services.workspaces import today, work_week
from storage.models import Event, Initiative, Workspace

DAY = 86400.0


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of some durations, in business days, and how many there were."""

    median: float
    p90: float
    count: int

    @classmethod
    def of(cls, seconds: list[float]) -> Spread | None:
        return cls(statistics.median(seconds) / DAY, percentile(seconds, 90) / DAY, len(seconds)) if seconds else None


@dataclass(frozen=True)
class Stats:
    days: int
    names: bool  # summary-names: may people be named?
    registered: int
    decided: Spread | None  # registration → approved, rejected or the sponsor's go-ahead
    escalated: int  # needed the sponsor
    proceeded: int
    reported_on_time: int
    reported_late: int
    per_approver: list[tuple[str, Spread]]  # (approver id, their answers), slowest first; empty when names are off
    approvers: Spread | None  # every answer, whoever gave it
    sponsors: Spread | None  # escalation → the sponsor's choice


def _decision_moment(ini: Initiative) -> datetime | None:
    """When the wait for a decision ended: approved or rejected, or the sponsor went ahead."""
    if ini.proceeded_at:
        return ini.proceeded_at
    if ini.status in ("approved", "rejected"):
        return ini.closed_at
    return None


def _reported_at(session: Session, inis: list[Initiative]) -> dict[int, datetime]:
    ids = [i.id for i in inis if i.proceeded_at]
    if not ids:
        return {}
    return {
        e.initiative_id: e.at
        for e in session.scalars(select(Event).where(Event.initiative_id.in_(ids), Event.kind == "reported"))
    }


def _sponsor_choices(session: Session, inis: list[Initiative]) -> dict[int, datetime]:
    """When each escalated initiative's sponsor chose (proceed, extend or withdraw)."""
    escalated = {i.id: i for i in inis if i.escalated_at}
    if not escalated:
        return {}
    chosen = {}
    for e in session.scalars(
        select(Event)
        .where(Event.initiative_id.in_(list(escalated)), Event.kind.in_(("proceeded", "extended", "withdrawn")))
        .order_by(Event.id)
    ):
        ini = escalated[e.initiative_id]
        if e.actor_id == ini.sponsor_id and e.at >= ini.escalated_at and ini.id not in chosen:
            chosen[ini.id] = e.at
    return chosen


def stats(
    session: Session, ws: Workspace, days: int, now: datetime, only: Callable[[Initiative], bool] | None = None
) -> Stats:
    """What `/greenlight stats <days>` says, over the initiatives registered in those days that `only` admits."""
    since = now - timedelta(days=days)
    inis = [
        i
        for i in session.scalars(
            select(Initiative).where(Initiative.team_id == ws.team_id, Initiative.created_at >= since)
        )
        if only is None or only(i)
    ]
    week, tz = work_week(ws), zone(ws.timezone)
    decided = [week.business_seconds(i.created_at, at, tz) for i in inis if (at := _decision_moment(i))]
    answers: dict[str, list[float]] = defaultdict(list)
    for ini_waits in waits_of(session, inis, now).values():
        for w in ini_waits:
            if w.approval.decision.answered:
                answers[w.approval.approver_id].append(w.seconds)
    chosen = _sponsor_choices(session, inis)
    sponsor = [week.business_seconds(i.escalated_at, chosen[i.id], tz) for i in inis if i.id in chosen]
    reported = _reported_at(session, inis)
    proceeded = [i for i in inis if i.proceeded_at]
    on_time = sum(
        1
        for i in proceeded
        if i.id in reported and i.report_due and reported[i.id].astimezone(tz).date() <= i.report_due
    )
    per_approver = sorted(((u, Spread.of(s)) for u, s in answers.items()), key=lambda r: (-r[1].median, r[0]))
    return Stats(
        days,
        ws.summary_names,
        len(inis),
        Spread.of(decided),
        sum(1 for i in inis if i.escalated_at),
        len(proceeded),
        on_time,
        sum(1 for i in proceeded if i.id in reported) - on_time,
        per_approver if ws.summary_names else [],
        Spread.of([s for v in answers.values() for s in v]),
        Spread.of(sponsor),
    )


@dataclass(frozen=True)
class ChartData:
    """The monthly chart of one channel: median answer time per week of the last quarter, and the slowest stages."""

    channel_id: str
    weeks: list[tuple[date, float, int]]  # (Monday, median business days of the answers given that week, how many)
    stages: list[tuple[str, float]]  # (stage, median business days), slowest first


QUARTER_WEEKS = 13


def chart_data(session: Session, ws: Workspace, channel_id: str, now: datetime) -> ChartData:
    """What the chart of a channel shows at `now`: the 13 weeks before this one, and where the time went."""
    local = today(ws, now)
    this_monday = local - timedelta(days=local.weekday())
    first = this_monday - timedelta(weeks=QUARTER_WEEKS)
    tz = zone(ws.timezone)
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    inis = list(
        session.scalars(
            select(Initiative).where(
                Initiative.team_id == ws.team_id,
                Initiative.channel_id == channel_id,
                (Initiative.closed_at.is_(None)) | (Initiative.closed_at >= start),
            )
        )
    )
    by_week: dict[date, list[float]] = defaultdict(list)
    answers = []
    for ini_waits in waits_of(session, inis, now).values():
        for w in ini_waits:
            at = w.approval.decided_at
            if at and w.approval.decision.answered and at >= start:
                day = at.astimezone(tz).date()
                if day < this_monday:
                    by_week[day - timedelta(days=day.weekday())].append(w.seconds)
                    answers.append(w.seconds)
    weeks = [
        (
            first + timedelta(weeks=n),
            statistics.median(by_week[first + timedelta(weeks=n)]) / DAY
            if by_week[first + timedelta(weeks=n)]
            else 0.0,
            len(by_week[first + timedelta(weeks=n)]),
        )
        for n in range(QUARTER_WEEKS)
    ]
    week = work_week(ws)
    chosen = _sponsor_choices(session, inis)
    reported = _reported_at(session, inis)
    stages = {
        t("Approvers answering"): answers,
        t("Sponsor deciding"): [
            week.business_seconds(i.escalated_at, chosen[i.id], tz) for i in inis if i.id in chosen
        ],
        t("Report after going ahead"): [
            week.business_seconds(i.proceeded_at, reported[i.id], tz) for i in inis if i.id in reported
        ],
    }
    medians = [(name, statistics.median(s) / DAY) for name, s in stages.items() if s]
    return ChartData(channel_id, weeks, sorted(medians, key=lambda r: -r[1]))
