"""Workspace settings: what they are, who may change them, and what each value must look like."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from bot.calendar import WEEKDAYS, known_holidays_country
from bot.services import Refusal
from bot.services.nudges import reschedule_workspace
from bot.services.workspaces import workspace
from bot.text import channel_link, escape, plain_from_slack
from storage.models import Event, Person, Workspace

MAX_DAYS = 260  # about a year of business days; more is surely a typo
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Changes to these move when pending approvers are next nudged (and when the deadline falls due).
RESCHEDULES = {"timezone", "working-hours", "working-days", "holidays", "first-nudge", "nudge-every"}


@dataclass(frozen=True)
class Setting:
    key: str
    attribute: str
    meaning: str
    example: str


SETTINGS = {s.key: s for s in (
    Setting("summary-channel", "summary_channel", "where initiatives registered outside a channel are announced", "#approvals"),
    Setting("summary-day", "summary_day", "the day of the weekly summary", "mon"),
    Setting("summary-time", "summary_time", "the time of the weekly summary, in the workspace's time zone", "09:00"),
    Setting("timezone", "timezone", "the workspace's time zone: deadlines and summaries follow it", "Europe/Berlin"),
    Setting("working-hours", "working_hours", "when reminders may arrive, in each person's own time zone", "09:00-17:00"),
    Setting("working-days", "working_days", "the days that count as business days", "mon-fri"),
    Setting("holidays", "holidays", "public holidays that do not count as business days (a country code)", "DE"),
    Setting("deadline", "deadline_days", "the default deadline, in business days after registration", "10"),
    Setting("first-nudge", "first_nudge", "business days of waiting before the first reminder", "2"),
    Setting("nudge-every", "nudge_every", "business days between reminders", "2"),
    Setting("report-after", "report_after", "business days after proceeding until the report is due", "20"),
)}
DAY_SETTINGS = ("deadline", "first-nudge", "nudge-every", "report-after")


def shown(key: str, value) -> str:
    """A setting's value as people read it (mrkdwn)."""
    if value in (None, ""):
        return "not set" if key == "summary-channel" else "none"
    if key == "summary-channel":
        return channel_link(value)
    if key in DAY_SETTINGS:
        return f"{value} business day{'s' if value != 1 else ''}"
    return escape(str(value))


def current(ws: Workspace) -> list[tuple[Setting, str]]:
    """Every setting with its value as shown."""
    return [(s, shown(s.key, getattr(ws, s.attribute))) for s in SETTINGS.values()]


def may_change(session: Session, team_id: str, user_id: str, admins: frozenset[str]) -> bool:
    """Workspace admins and owners (from Slack, via the people cache) and the operator's GREENLIGHT_ADMINS."""
    person = session.get(Person, (team_id, user_id))
    return user_id in admins or bool(person and person.is_admin and not person.deleted)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _hhmm(text: str) -> time | None:
    match = _HHMM.match(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None


FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str) -> int | None:
    """0 for 'mon' or 'monday', … 6 for 'sun'; None for anything else."""
    word = word.strip()
    for number, names in enumerate(zip(WEEKDAYS, FULL_DAYS)):
        if word in names:
            return number
    return None


def parse_value(key: str, raw: str, can_post: Callable[[str], str | None]):
    """The stored value for `key`, or a Refusal saying what is wrong and what would do."""
    setting = SETTINGS[key]
    text = plain_from_slack(raw).strip()
    lowered = text.lower()

    def wrong(why: str) -> Refusal:
        return Refusal(f"{why} For example: `/greenlight settings {key} {setting.example}`.")

    if key == "summary-channel":
        if lowered in ("none", "off"):
            return None
        match = _CHANNEL.match(raw.strip())
        if not match:
            raise wrong(f"“{escape(text)}” is not a channel: pick one with #, or write `none` to unset it.")
        problem = can_post(match.group(1))
        if problem:
            raise Refusal(problem)
        return match.group(1)
    if key == "summary-day":
        day = _day(lowered)
        if day is None:
            raise wrong(f"“{escape(text)}” is not a day of the week: use mon, tue, wed, thu, fri, sat or sun.")
        return WEEKDAYS[day]
    if key == "summary-time":
        at = _hhmm(text)
        if at is None:
            raise wrong(f"“{escape(text)}” is not a time: write it as HH:MM on a 24-hour clock.")
        return f"{at:%H:%M}"
    if key == "timezone":
        name = _zones().get(lowered)
        if name is None:
            raise wrong(f"“{escape(text)}” is not a time zone name I know: use one like Europe/Berlin or America/New_York.")
        return name
    if key == "working-hours":
        start, _, end = text.replace(" ", "").partition("-")
        start_at, end_at = _hhmm(start), _hhmm(end)
        if start_at is None or end_at is None:
            raise wrong(f"“{escape(text)}” is not a span of hours: write it as HH:MM-HH:MM.")
        if start_at >= end_at:
            raise wrong(f"The working day must start before it ends ({start_at:%H:%M} is not before {end_at:%H:%M}).")
        return f"{start_at:%H:%M}-{end_at:%H:%M}"
    if key == "working-days":
        return _working_days(lowered, wrong)
    if key == "holidays":
        if lowered in ("none", "off"):
            return None
        if not re.fullmatch(r"[a-z]{2,3}", lowered) or not known_holidays_country(lowered):
            raise wrong(f"“{escape(text)}” is not a country code I know holidays for: use one like DE, US or FR, "
                        "or `none` for no public holidays.")
        return lowered.upper()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise wrong(f"“{escape(text)}” is not a number of business days: use a whole number from 1 to {MAX_DAYS}.")
    return int(text)


def _working_days(text: str, wrong) -> str:
    """'mon,tue,wed,thu,fri', 'mon-fri' or 'sun-thu' (ranges wrap around the week) → 'mon,tue,…'."""
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.replace(" ", ",").split(","))):
        first, dash, last = part.partition("-")
        a, b = _day(first), _day(last) if dash else _day(first)
        if a is None or b is None:
            raise wrong(f"“{escape(part)}” is not a weekday or a range of weekdays such as mon-fri.")
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    if not days:
        raise wrong("Name at least one working day.")
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def change(session: Session, *, team_id: str, user_id: str, key: str, raw_value: str, now: datetime,
           admins: frozenset[str], can_post: Callable[[str], str | None], default_tz: str = "UTC") -> str:
    """Change one setting (admins only), record it, reschedule what depends on it. Returns the reply."""
    if key not in SETTINGS:
        raise Refusal(f"There is no setting `{escape(plain_from_slack(key))}`. The settings are: "
                      + ", ".join(f"`{k}`" for k in SETTINGS) + ". `/greenlight settings` shows their values.")
    setting = SETTINGS[key]
    if not may_change(session, team_id, user_id, admins):
        raise Refusal("Only workspace admins and owners (or people the operator lists in GREENLIGHT_ADMINS) can "
                      "change settings. `/greenlight settings` shows them to everyone.")
    if not raw_value.strip():
        raise Refusal(f"Give `{key}` a value, for example: `/greenlight settings {key} {setting.example}`. "
                      f"It sets {setting.meaning}.")
    value = parse_value(key, raw_value, can_post)
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    old = getattr(ws, setting.attribute)
    if old == value:
        return f"`{key}` is already {shown(key, value)}. Nothing changed."
    setattr(ws, setting.attribute, value)
    session.add(Event(team_id=team_id, initiative_id=None, actor_id=user_id, kind="settings_changed",
                      data={"key": key, "old": old, "new": value}, at=now))
    session.flush()
    effect = "It applies from the next summary, reminder or deadline that falls due."
    if key in RESCHEDULES:
        reschedule_workspace(session, team_id, now)
        effect = "The reminders of pending approvals are rescheduled to match."
    elif key in ("deadline", "report-after"):
        effect = "It applies to initiatives registered (or proceeding) from now on."
    return f"`{key}` is now *{shown(key, value)}* (was {shown(key, old)}). {effect}"
