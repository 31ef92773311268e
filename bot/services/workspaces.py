"""Workspace settings and the calendars they define: working days and hours, holidays, time zones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.calendar import WEEKDAYS, WorkWeek, zone
from bot.i18n import SOURCE, language_of
from storage.db import insert_ignore
from storage.models import Absence, Initiative, Person, Workspace


def workspace(
    session: Session, team_id: str, *, now: datetime, default_tz: str = "UTC", lock: bool = False
) -> Workspace:
    """The workspace's settings row, created with defaults on first use (once, even when requests race).

    With `lock`, the row is locked until the transaction ends (PostgreSQL; SQLite's write lock already
    serialises): registration numbers initiatives from it."""
    ws = session.get(Workspace, team_id, with_for_update=lock or None, populate_existing=lock)
    if ws is None:
        insert_ignore(
            session, Workspace, [{"team_id": team_id, "timezone": default_tz, "created_at": now}], ["team_id"]
        )
        ws = session.get(Workspace, team_id, with_for_update=lock or None, populate_existing=True)
    return ws


def reader_language(ws: Workspace | None, person: Person | None) -> str:
    """What someone reads Greenlight in (SPEC §4, Language): their own choice, else their Slack locale if Greenlight
    speaks it, else the workspace's language (which channel posts use). Rows of those columns do as well."""
    if person is not None and person.language:
        return person.language
    return (person is not None and language_of(person.locale)) or (ws.language if ws is not None else SOURCE)


def parse_hours(text: str) -> tuple[time, time]:
    start, _, end = text.partition("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def work_week(ws: Workspace, own: Person | None = None) -> WorkWeek:
    """The workspace's working days, hours and holidays; with `own`, that person's calendar: each of their
    own choices (`/greenlight me`) replaces the workspace's, unset ones follow it."""
    hours = (own and own.working_hours) or ws.working_hours
    days = (own and own.working_days) or ws.working_days
    holidays = own.holidays if own is not None and own.holidays is not None else ws.holidays  # '' = none
    start, end = parse_hours(hours)
    return WorkWeek(
        working_days=frozenset(WEEKDAYS.index(d) for d in days.split(",") if d),
        start=start,
        end=end,
        holidays_country=holidays or None,
    )


def today(ws: Workspace, now: datetime) -> date:
    """The date in the workspace's time zone."""
    return now.astimezone(zone(ws.timezone)).date()


def people_zones(session: Session, team_id: str, user_ids, fallback: str) -> dict[str, ZoneInfo]:
    """Time zones of several people in one query."""
    return people_calendars(session, team_id, user_ids, fallback)[0]


def people_calendars(
    session: Session, team_id: str, user_ids, fallback: str
) -> tuple[dict[str, ZoneInfo], dict[str, Person]]:
    """Time zones of several people, and their people rows (their own calendars), in one query."""
    rows = list(session.scalars(select(Person).where(Person.team_id == team_id, Person.user_id.in_(set(user_ids)))))
    found = {p.user_id: zone(p.tz or fallback) for p in rows}
    return {u: found.get(u, zone(fallback)) for u in user_ids}, {p.user_id: p for p in rows}


def absences_of(session: Session, team_id: str, user_ids, now: datetime) -> dict[str, list[Absence]]:
    """{person: their absences not yet over}, for these people and the delegates they named (delegation does not
    chain: whether a delegate is away matters)."""
    found: dict[str, list[Absence]] = {}
    asked: set[str] = set()
    wanted = set(user_ids)
    while wanted:  # a second query only when someone away named a delegate not asked about yet
        asked |= wanted
        for a in session.scalars(
            select(Absence).where(Absence.team_id == team_id, Absence.user_id.in_(wanted), Absence.ends_at > now)
        ):
            found.setdefault(a.user_id, []).append(a)
        wanted = {a.delegate_id for rows in found.values() for a in rows if a.delegate_id} - asked
    return found


@dataclass(frozen=True)
class Calendars:
    """The workspaces and time zones a change or a batch needs, loaded once (one query per workspace), not per item."""

    spaces: dict[str, Workspace]
    zones: dict[str, dict[str, ZoneInfo]]
    own: dict[str, dict[str, Person]] = field(default_factory=dict)  # people rows: own calendars, last reminders
    # Absences not yet over, of these people and of their delegates (services/away.py)
    absences: dict[str, dict[str, list[Absence]]] = field(default_factory=dict)
    _weeks: dict = field(default_factory=dict, compare=False, repr=False)  # week(), worked out once a person

    @classmethod
    def load(cls, session: Session, people: dict[str, set[str]], now: datetime) -> Calendars:
        """For {team: user ids}; with them (in the same queries) whoever may be written to in their place or after
        them: the delegates they named while away, and the workspace's escalation contact when it is a person."""
        spaces = {team: workspace(session, team, now=now) for team in people}
        contact = {team: ws.escalate_to for team, ws in spaces.items() if (ws.escalate_to or "")[:1] in ("U", "W")}
        people = {team: set(users) | ({contact[team]} if team in contact else set()) for team, users in people.items()}
        absences = {team: absences_of(session, team, users, now) for team, users in people.items()}
        readers = {
            team: users | {a.delegate_id for rows in absences[team].values() for a in rows if a.delegate_id}
            for team, users in people.items()
        }
        found = {team: people_calendars(session, team, users, spaces[team].timezone) for team, users in readers.items()}
        return cls(
            spaces,
            {team: zones for team, (zones, _) in found.items()},
            {team: own for team, (_, own) in found.items()},
            absences,
        )

    @classmethod
    def weeks(cls, session: Session, people: dict[str, set[str]], now: datetime) -> Calendars:
        """Only what business time needs, for {team: user ids}: the workspaces, and these people's time zones and
        own calendars (no absences, nobody in their place; person() gives only their calendar's columns)."""
        spaces = {team: workspace(session, team, now=now) for team in people}
        zones: dict[str, dict[str, ZoneInfo]] = {}
        own: dict[str, dict] = {}
        for team, users in people.items():
            # their calendars' columns as rows, not people (a list shows dozens): week() and tz() read no more
            rows = (
                session.execute(
                    select(Person.user_id, Person.tz, Person.working_hours, Person.working_days, Person.holidays).where(
                        Person.team_id == team, Person.user_id.in_(users)
                    )
                ).all()
                if users
                else []
            )
            own[team] = {r.user_id: r for r in rows}
            found = {r.user_id: zone(r.tz or spaces[team].timezone) for r in rows}
            zones[team] = {u: found.get(u) or zone(spaces[team].timezone) for u in users}
        return cls(spaces, zones, own)

    @classmethod
    def of(cls, session: Session, initiatives: list[Initiative], now: datetime) -> Calendars:
        """For everyone these initiatives concern: owner, sponsor, approvers, and whoever stands in for them or
        was asked in the sponsor's place."""
        people: dict[str, set[str]] = {}
        for ini in initiatives:
            people.setdefault(ini.team_id, set()).update(
                {ini.owner_id, ini.sponsor_id, *(a.approver_id for a in ini.approvals)},
                {u for u in (ini.sponsor_stand_in_id, *(a.stand_in_id for a in ini.approvals)) if u},
                (ini.escalated_to or "").split(",") if ini.escalated_to else (),
            )
        return cls.load(session, people, now)

    def learn(self, team_id: str, rows) -> None:
        """Add people rows read elsewhere (their languages, their own calendars), without a query of our own. Their
        absences are not known: they stay out of `zones`, so that whoever holds their messages loads them."""
        for p in rows:
            self.own.setdefault(team_id, {})[p.user_id] = p
            self._weeks.pop((team_id, p.user_id), None)

    def ws(self, team_id: str) -> Workspace:
        return self.spaces[team_id]

    def week(self, team_id: str, user_id: str | None = None) -> WorkWeek:
        """The workspace's calendar, or with `user_id` that person's own (SPEC §3, personal calendars)."""
        key = (team_id, user_id)
        if key not in self._weeks:
            self._weeks[key] = work_week(self.spaces[team_id], self.own.get(team_id, {}).get(user_id))
        return self._weeks[key]

    def person(self, team_id: str, user_id: str) -> Person | None:
        """The people row of this person, if Slack told us about them."""
        return self.own.get(team_id, {}).get(user_id)

    def away(self, team_id: str, user_id: str, at: datetime) -> Absence | None:
        """This person's absence at `at`, if they are away then (one with a delegate first, then the longest)."""
        now = [a for a in self.absences.get(team_id, {}).get(user_id, ()) if a.starts_at <= at < a.ends_at]
        return max(now, key=lambda a: (a.delegate_id is not None, a.ends_at), default=None)

    def back(self, team_id: str, user_id: str, absence: Absence) -> datetime:
        """When someone away is back at work: their first working moment once the absence has ended."""
        return self.working_moment(team_id, user_id, absence.ends_at)

    def lang(self, team_id: str, recipient: str) -> str:
        """The language a message to `recipient` is written in: a person's own, a channel's the workspace's."""
        return reader_language(self.spaces[team_id], self.person(team_id, recipient))

    def tz(self, team_id: str, user_id: str) -> ZoneInfo:
        return self.zones[team_id].get(user_id) or zone(self.spaces[team_id].timezone)

    def delivery_moment(self, team_id: str, recipient: str, at: datetime) -> datetime:
        """When a proactive message may arrive (SPEC §3, quiet hours): a DM inside its recipient's working
        time, a conversation of several people inside the last one's (the one it asks), a channel post
        inside the workspace's. A DM to someone away waits for their return (SPEC §3, Away: nothing reaches them
        on holiday, no digest either; what was asked of them waits in their App Home)."""
        if recipient[:1] in "UW" and "," not in recipient:
            absence = self.away(team_id, recipient, at)
            return self.back(team_id, recipient, absence) if absence else self.working_moment(team_id, recipient, at)
        if recipient[:1] in "UW":
            return self.working_moment(team_id, recipient.split(",")[-1], at)
        return self.week(team_id).next_working_moment(at, zone(self.spaces[team_id].timezone))

    def working_moment(self, team_id: str, user_id: str, at: datetime) -> datetime:
        """`at`, or the start of this person's next working time if `at` falls outside it."""
        return self.week(team_id, user_id).next_working_moment(at, self.tz(team_id, user_id))

    def after_business_days(self, team_id: str, user_id: str, start: datetime, days: int) -> datetime:
        """The first working moment of this person once `days` business days have passed since `start`."""
        week, tz = self.week(team_id, user_id), self.tz(team_id, user_id)
        return week.next_working_moment(week.after_business_days(start, days, tz), tz)
