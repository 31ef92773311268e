"""Workspace settings and the calendar they define."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import WEEKDAYS, WorkWeek, zone
from storage.models import Person, Workspace


def workspace(session: Session, team_id: str, *, now: datetime, default_tz: str = "UTC") -> Workspace:
    """The workspace's settings row, created with defaults on first use."""
    ws = session.get(Workspace, team_id)
    if ws is None:
        ws = Workspace(team_id=team_id, timezone=default_tz, created_at=now)
        session.add(ws)
        session.flush()
    return ws


def parse_hours(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def work_week(ws: Workspace) -> WorkWeek:
    """The workspace's working days, hours and holidays."""
    start, end = parse_hours(ws.working_hours)
    days = frozenset(WEEKDAYS.index(d) for d in ws.working_days.split(",") if d)
    return WorkWeek(working_days=days, start=start, end=end, holidays_country=ws.holidays)


def today(ws: Workspace, now: datetime) -> date:
    """The date in the workspace's time zone."""
    return now.astimezone(zone(ws.timezone)).date()


def people_zones(session: Session, team_id: str, user_ids, fallback: str) -> dict:
    """Time zones of several people in one query."""
    rows = session.scalars(select(Person).where(Person.team_id == team_id, Person.user_id.in_(set(user_ids))))
    found = {p.user_id: zone(p.tz or fallback) for p in rows}
    return {u: found.get(u, zone(fallback)) for u in user_ids}


def batch_zones(session: Session, people: dict[str, set], now: datetime) -> tuple[dict, dict]:
    """For a batch spanning workspaces, given {team: user ids}: ({team: Workspace}, {team: {user: ZoneInfo}}),
    loaded once per workspace rather than once per item."""
    spaces = {team: workspace(session, team, now=now) for team in people}
    return spaces, {team: people_zones(session, team, users, spaces[team].timezone) for team, users in people.items()}
