"""Workspace settings: one declaration per key (how a value is read, shown and what it sets in motion),
who may change them, and the change itself."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import i18n
from bot.calendar import WEEKDAYS, holidays_code
from bot.i18n import N_, t, tn
from bot.services import Refusal, groups, record_change
from bot.services.lifecycle import further_escalation_at
from bot.services.nudges import reschedule_workspace
from bot.services.workspaces import Calendars, workspace
from bot.text import GROUP, MENTION, channel_link, escape, is_group, mention, plain_from_slack, quoted
from storage.enums import Status
from storage.models import Event, Initiative, Person, Workspace

MAX_DAYS = 260  # about a year of business days; more is surely a typo
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]{2,20})(?:\|[^>]*)?>$")  # bounded: a channel id is never longer
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # [0-9], not \d: only ASCII digits are digits here
_DAYS = re.compile(r"^[0-9]{1,4}$")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Invalid(ValueError):
    """A value a parser cannot read: says what is wrong; the setting adds an example of a good one."""


# ---- effects: what a change sets in motion ---------------------------------------------------------


@dataclass(frozen=True)
class Effect:
    """What a new value changes beyond the row: `says` ends the reply (marked with N_, translated where shown),
    `apply` reschedules what is due."""

    says: str
    apply: Callable[[Session, str, datetime], None] = lambda session, team_id, now: None


def _last_moments(session: Session, inis: list[Initiative], kinds: tuple[str, ...]) -> dict[int, datetime]:
    """The latest event of these kinds for each initiative, in one query."""
    rows = session.execute(
        select(Event.initiative_id, func.max(Event.at))
        .where(Event.initiative_id.in_([i.id for i in inis]), Event.kind.in_(kinds))
        .group_by(Event.initiative_id)
    )
    return dict(rows.all())


def reschedule_sponsor_asks(session: Session, team_id: str, now: datetime) -> None:
    """Escalated initiatives: the sponsor is next asked sponsor-every business days after the last ask."""
    _recount(
        session,
        team_id,
        now,
        Status.ESCALATED,
        Initiative.next_sponsor_ask_at,
        ("escalated", "sponsor_asked"),
        lambda ini: ini.sponsor_id,
        "sponsor_every",
    )


def reschedule_report_reminders(session: Session, team_id: str, now: datetime) -> None:
    """Proceeding initiatives already reminded: the owner is next reminded report-every business days after the last.

    The first reminder falls on the day the report is due, whatever the cadence, so it does not move."""
    _recount(
        session,
        team_id,
        now,
        Status.PROCEEDING,
        Initiative.next_report_reminder_at,
        ("report_reminded",),
        lambda ini: ini.owner_id,
        "report_every",
    )


def _recount(
    session: Session,
    team_id: str,
    now: datetime,
    status: Status,
    column,
    kinds: tuple[str, ...],
    person: Callable[[Initiative], str],
    cadence: str,
) -> None:
    """Move a due column to `cadence` business days after the last event of `kinds` (in `person`'s calendar)."""
    inis = list(
        session.scalars(
            select(Initiative).where(Initiative.team_id == team_id, Initiative.status == status, column.is_not(None))
        )
    )
    last = _last_moments(session, inis, kinds) if inis else {}
    cal = Calendars.of(session, inis, now)
    for ini in inis:
        if ini.id in last:
            setattr(
                ini,
                column.key,
                cal.after_business_days(team_id, person(ini), last[ini.id], getattr(cal.ws(team_id), cadence)),
            )


def reschedule_further_escalations(session: Session, team_id: str, now: datetime) -> None:
    """Escalated initiatives whose sponsor has not decided: `escalate-to` is told on the new terms (at once, if the
    sponsor has already waited longer than `sponsor-wait`); unset, nobody will be."""
    inis = list(
        session.scalars(
            select(Initiative).where(
                Initiative.team_id == team_id, Initiative.status == Status.ESCALATED, Initiative.escalated_to.is_(None)
            )
        )
    )
    cal = Calendars.of(session, inis, now)
    for ini in inis:
        ini.escalate_further_at = further_escalation_at(ini, cal)


def _calendar_changed(session: Session, team_id: str, now: datetime) -> None:
    reschedule_workspace(session, team_id, now)
    reschedule_sponsor_asks(session, team_id, now)
    reschedule_report_reminders(session, team_id, now)
    reschedule_further_escalations(session, team_id, now)


CALENDAR = Effect(
    N_("Reminders, deadline moments, sponsors' re-asks and report reminders are rescheduled to match."),
    _calendar_changed,
)
NUDGES = Effect(N_("The reminders of pending approvals are rescheduled to match."), reschedule_workspace)
SPONSOR_ASKS = Effect(
    N_("Sponsors of escalated initiatives are next asked again on the new cadence, counted from their last ask."),
    reschedule_sponsor_asks,
)
REPORT_REMINDERS = Effect(
    N_("Owners whose report is overdue are next reminded on the new cadence, counted from their last reminder."),
    reschedule_report_reminders,
)
NEW_INITIATIVES = Effect(N_("It applies to initiatives registered from now on."))
NEW_PROCEEDINGS = Effect(N_("It applies to initiatives that proceed from now on."))
NEXT_SUMMARY = Effect(N_("It applies from the next weekly summary."))
FURTHER_ESCALATIONS = Effect(
    N_("It applies to escalations already waiting on their sponsor, counted from when the sponsor was asked."),
    reschedule_further_escalations,
)
SLACK_STATUS = Effect(N_("It applies to Slack statuses as they are next read (each person's, at most daily)."))
NAMES = Effect(N_("It applies to the weekly summary, `/greenlight stats` and the monthly chart from now on."))
RETENTION = Effect(
    N_(
        "Each sweep deletes, in small batches, initiatives closed longer ago than that, with their "
        "approvals, history and messages; `off` keeps everything."
    )
)
POSTS = Effect(
    N_(
        "It applies to what Greenlight posts in channels from now on, and to people whose Slack language "
        "Greenlight does not speak."
    )
)


# ---- parsers, shared by settings of the same kind --------------------------------------------------
# Each takes the value as Slack sent it (escaped) and returns what is stored, or raises Invalid.


def _plain(raw: str) -> str:
    return plain_from_slack(raw).strip()


def _hhmm(text: str) -> time | None:
    match = _HHMM.match(text)
    return time(int(match.group(1)), int(match.group(2))) if match else None


def _day(word: str) -> int | None:
    """0 for 'mon' or 'monday', … 6 for 'sun'; None for anything else."""
    word = word.strip()
    for number, names in enumerate(zip(WEEKDAYS, FULL_DAYS)):
        if word in names:
            return number
    return None


def business_days(raw: str) -> int:
    """A whole number of business days, 1 to MAX_DAYS, in ASCII digits."""
    text = _plain(raw)
    if not _DAYS.match(text) or not 1 <= int(text) <= MAX_DAYS:
        raise Invalid(
            t(
                "{value} is not a number of business days: use a whole number from 1 to {most}, in digits 0-9.",
                value=quoted(text),
                most=MAX_DAYS,
            )
        )
    return int(text)


def weekday(raw: str) -> str:
    """'fri' or 'Friday' → 'fri'."""
    text = _plain(raw)
    day = _day(text.lower())
    if day is None:
        raise Invalid(
            t("{value} is not a day of the week: use mon, tue, wed, thu, fri, sat or sun.", value=quoted(text))
        )
    return WEEKDAYS[day]


def weekdays(raw: str) -> str:
    """'mon,tue,wed,thu,fri', 'mon-fri' or 'sun-thu' (ranges wrap around the week) → 'mon,tue,…'."""
    text = _plain(raw).lower()
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in text.replace(" ", ",").split(","))):
        first, dash, last = part.partition("-")
        a, b = _day(first), _day(last) if dash else _day(first)
        if a is None or b is None:
            raise Invalid(t("{value} is not a weekday or a range of weekdays such as mon-fri.", value=quoted(part)))
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    if not days:
        raise Invalid(t("Name at least one working day."))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def clock_time(raw: str) -> str:
    """'8:30' → '08:30' (24-hour clock)."""
    text = _plain(raw)
    at = _hhmm(text)
    if at is None:
        raise Invalid(t("{value} is not a time: write it as HH:MM on a 24-hour clock.", value=quoted(text)))
    return f"{at:%H:%M}"


def hours(raw: str) -> str:
    """'07:30 - 15:30' → '07:30-15:30', the start before the end."""
    text = _plain(raw)
    start, _, end = text.replace(" ", "").partition("-")
    start_at, end_at = _hhmm(start), _hhmm(end)
    if start_at is None or end_at is None:
        raise Invalid(t("{value} is not a span of hours: write it as HH:MM-HH:MM.", value=quoted(text)))
    if start_at >= end_at:
        raise Invalid(
            t(
                "The working day must start before it ends ({start} is not before {end}).",
                start=f"{start_at:%H:%M}",
                end=f"{end_at:%H:%M}",
            )
        )
    return f"{start_at:%H:%M}-{end_at:%H:%M}"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def time_zone(raw: str) -> str:
    """'america/new_york' → 'America/New_York' (an IANA name)."""
    text = _plain(raw)
    name = _zones().get(text.lower())
    if name is None:
        raise Invalid(
            t(
                "{value} is not a time zone name I know: use one like Europe/Berlin or America/New_York.",
                value=quoted(text),
            )
        )
    return name


def holidays_country(raw: str) -> str | None:
    """'de' → 'DE', 'us-ny' → 'US-NY' (a country or country-subdivision as the holidays package names them);
    'none' or 'off' → None."""
    text = _plain(raw)
    lowered = text.lower()
    if lowered in ("none", "off"):
        return None
    code = holidays_code(lowered) if re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{1,4})?", lowered) else None
    if code is None:
        raise Invalid(
            t(
                "{value} is not a country code I know holidays for: use a country such as DE, US or "
                "FR, a country and region such as US-NY or DE-BY, or `none` for no public holidays.",
                value=quoted(text),
            )
        )
    return code


def channel(raw: str) -> str | None:
    """'<#C123|approvals>' → 'C123'; 'none' or 'off' → None. Whether the bot may post there is Slack's to say."""
    if _plain(raw).lower() in ("none", "off"):
        return None
    match = _CHANNEL.match(raw.strip())
    if not match:
        raise Invalid(
            t("{value} is not a channel: pick one with #, or write `none` to unset it.", value=quoted(_plain(raw)))
        )
    return match.group(1)


def on_off(raw: str) -> bool:
    """'on' → True, 'off' → False."""
    text = _plain(raw).lower()
    if text not in ("on", "off"):
        raise Invalid(t("{value} is neither `on` nor `off`.", value=quoted(_plain(raw))))
    return text == "on"


def person(raw: str) -> str | None:
    """'<@U123|ana>' → 'U123', '<!subteam^S1|@ops>' → 'S1' (a user group); 'none' or 'off' → None. Whether they
    can decide is checked with Slack."""
    if _plain(raw).lower() in ("none", "off"):
        return None
    match = MENTION.fullmatch(raw.strip()) or GROUP.fullmatch(raw.strip())
    if not match:
        raise Invalid(
            t(
                "{value} is not a person or a user group: pick one with @, or write `none` to unset it.",
                value=quoted(_plain(raw)),
            )
        )
    return match.group(1)


def check_person(session: Session, team_id: str, value: str | None) -> None:
    """Refuse a person who cannot decide (unknown to Slack, a bot, deactivated), or a group unknown or empty."""
    if value is None:
        return
    if is_group(value):
        if wrong := groups.problems(session, team_id, [value]):
            raise Refusal(t("{problem} Nothing changed.", problem=wrong[0]))
        return
    found = session.get(Person, (team_id, value))
    if found is None or found.is_bot or found.deleted:
        raise Refusal(
            t(
                "{person} cannot decide: name a person with an active account. Nothing changed.",
                person=mention(value),
            )
        )


MAX_MONTHS = 1200  # a century; more is surely a typo


def months(raw: str) -> int | None:
    """'24' → 24 months; 'off' → None (nothing is ever deleted)."""
    text = _plain(raw).lower()
    if text in ("off", "none"):
        return None
    if not _DAYS.match(text) or not 1 <= int(text) <= MAX_MONTHS:
        raise Invalid(
            t(
                "{value} is not a number of months: use a whole number from 1 to {most}, or `off` to keep everything.",
                value=quoted(_plain(raw)),
                most=MAX_MONTHS,
            )
        )
    return int(text)


MAX_WORDS = 500  # the column's length


def words(raw: str) -> str:
    """'Vacation, :palm_tree:,  urlaub' → 'vacation, :palm_tree:, urlaub': emoji codes and words, comma-separated."""
    terms = [t.strip().lower() for t in _plain(raw).split(",")]
    terms = list(dict.fromkeys(t for t in terms if t))
    if not terms:
        raise Invalid(t("Name at least one emoji code or word, separated by commas."))
    text = ", ".join(terms)
    if len(text) > MAX_WORDS:
        raise Invalid(
            tn(
                "That list is {n} character; keep it to {most}.",
                "That list is {n} characters; keep it to {most}.",
                len(text),
                most=MAX_WORDS,
            )
        )
    return text


def language(raw: str) -> str:
    """'DE' → 'de': one of the languages Greenlight speaks (bot.i18n.languages())."""
    text = _plain(raw).lower()
    if text not in i18n.languages():
        raise Invalid(
            t(
                "{value} is not a language Greenlight speaks. It speaks: {languages}.",
                value=quoted(_plain(raw)),
                languages=", ".join(f"`{lang}`" for lang in i18n.languages()),
            )
        )
    return text


# ---- how values read back (mrkdwn) -----------------------------------------------------------------


def show_days(value: int) -> str:
    """3 → '3 business days'."""
    return tn("{n} business day", "{n} business days", value)


def show_text(value: Any) -> str:
    """The stored text, escaped; 'none' when unset."""
    # Translators: an unset setting (no summary channel, no public holidays)
    return t("none") if value in (None, "") else escape(str(value))


def show_on_off(value: bool) -> str:
    return "on" if value else "off"


def show_months(value: int | None) -> str:
    """24 → 'closed initiatives are deleted after 24 months'; None → 'off'."""
    return t("off (nothing is deleted)") if value is None else tn("{n} month", "{n} months", value)


def show_person(value: str | None) -> str:
    """A mention; 'not set' when unset."""
    return mention(value) if value else t("not set")


def show_channel(value: str | None) -> str:
    """A channel link; 'not set' when unset."""
    return channel_link(value) if value else t("not set")


# ---- the settings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One workspace setting: adding one is adding one of these (and a migration if it needs a column)."""

    key: str  # as typed after `/greenlight settings`
    attribute: str  # the Workspace column it is stored in
    meaning: str  # one line, shown in `/greenlight settings` (English, as declared: show it as t(meaning))
    example: str  # a good value, quoted in every refusal
    read: Callable[[str], Any]  # the value as Slack sent it → what is stored; raises Invalid
    show: Callable[[Any], str]  # what is stored → mrkdwn
    effect: Effect  # what a change sets in motion
    in_channel: bool = False  # the value is a channel: Slack must confirm (before any transaction) the bot can post
    in_people: bool = False  # the value is a person: Slack is asked about them (before any transaction)
    check: Callable[[Session, str, Any], None] | None = None  # what the database must confirm; raises Refusal

    def parse(self, raw: str) -> Any:
        """The stored value for what was typed, or a Refusal saying what is wrong and giving an example."""
        try:
            return self.read(raw)
        except Invalid as e:
            raise Refusal(
                t(
                    "{problem} For example: {command}.",
                    problem=str(e),
                    command=f"`/greenlight settings {self.key} {self.example}`",
                )
            ) from None


DECLARATIONS = Path(__file__).with_name("settings.toml")
# How each kind of value is read (raising Invalid) and shown, and what each effect is; settings.toml names them.
KINDS = {
    "channel": (channel, show_channel),
    "weekday": (weekday, show_text),
    "weekdays": (weekdays, show_text),
    "clock-time": (clock_time, show_text),
    "hours": (hours, show_text),
    "time-zone": (time_zone, show_text),
    "holidays": (holidays_country, show_text),
    "business-days": (business_days, show_days),
    "on-off": (on_off, show_on_off),
    "months": (months, show_months),
    "person": (person, show_person),
    "words": (words, show_text),
    "language": (language, show_text),
}
CHECKS = {"person": check_person}
EFFECTS = {
    "calendar": CALENDAR,
    "nudges": NUDGES,
    "sponsor-asks": SPONSOR_ASKS,
    "report-reminders": REPORT_REMINDERS,
    "new-initiatives": NEW_INITIATIVES,
    "new-proceedings": NEW_PROCEEDINGS,
    "next-summary": NEXT_SUMMARY,
    "names": NAMES,
    "retention": RETENTION,
    "further-escalations": FURTHER_ESCALATIONS,
    "slack-status": SLACK_STATUS,
    "posts": POSTS,
}


def declared(path: Path = DECLARATIONS) -> dict[str, Setting]:
    """The settings declared in settings.toml, in their order."""
    return {
        key: Setting(
            key,
            d["column"],
            d["meaning"],
            d["example"],
            *KINDS[d["kind"]],
            EFFECTS[d["effect"]],
            in_channel=d["kind"] == "channel",
            in_people=d["kind"] == "person",
            check=CHECKS.get(d["kind"]),
        )
        for key, d in tomllib.loads(path.read_text()).items()
    }


SETTINGS = declared()


def current(ws: Workspace) -> list[tuple[Setting, str]]:
    """Every setting with its value as shown."""
    return [(s, s.show(getattr(ws, s.attribute))) for s in SETTINGS.values()]


def may_change(session: Session, team_id: str, user_id: str, admins: frozenset[str]) -> bool:
    """Workspace admins and owners (from Slack, via the people cache) and the operator's GREENLIGHT_ADMINS."""
    person = session.get(Person, (team_id, user_id))
    return user_id in admins or bool(person and person.is_admin and not person.deleted)


def channel_to_check(key: str, raw_value: str) -> str | None:
    """The channel Slack must confirm before `key` may be set to this value; None when there is none to check."""
    setting = SETTINGS.get(key)
    if setting is None or not setting.in_channel:
        return None
    try:
        return setting.read(raw_value)
    except Invalid:
        return None  # change() refuses it, with the reason


def people_to_check(key: str, raw_value: str) -> list[str]:
    """The people Slack must tell us about before `key` may be set to this value."""
    setting = SETTINGS.get(key)
    if setting is None or not setting.in_people:
        return []
    try:
        value = setting.read(raw_value)
    except Invalid:
        return []  # change() refuses it, with the reason
    return [value] if value else []


def change(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    key: str,
    raw_value: str,
    now: datetime,
    admins: frozenset[str],
    channel_problems: Mapping[str, str | None],
    default_tz: str = "UTC",
) -> str:
    """Change one setting (admins only), record it, reschedule what depends on it. Returns the reply.

    `channel_problems` is Slack's verdict, asked before this transaction, on the channel the value names
    (channel_to_check): None if the bot can post there, else what to tell the person."""
    if key not in SETTINGS:
        raise Refusal(
            t(
                "There is no setting {key}. The settings are: {keys}. `/greenlight settings` shows their values.",
                key=quoted(plain_from_slack(key), code=True),
                keys=", ".join(f"`{k}`" for k in SETTINGS),
            )
        )
    setting = SETTINGS[key]
    if not may_change(session, team_id, user_id, admins):
        raise Refusal(
            t(
                "Only workspace admins and owners (or people the operator lists in GREENLIGHT_ADMINS) can "
                "change settings. `/greenlight settings` shows them to everyone."
            )
        )
    if not raw_value.strip():
        raise Refusal(
            t(
                "Give {key} a value, for example: {command}. It sets {meaning}.",
                key=f"`{key}`",
                command=f"`/greenlight settings {key} {setting.example}`",
                meaning=t(setting.meaning),
            )
        )
    value = setting.parse(raw_value)
    if setting.in_channel and value is not None:
        if value not in channel_problems:
            raise Refusal(
                t(
                    "I could not check {channel} with Slack, so nothing changed. Please try again.",
                    channel=channel_link(value),
                )
            )
        if channel_problems[value]:
            raise Refusal(channel_problems[value])
    if setting.check:
        setting.check(session, team_id, value)
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    old = getattr(ws, setting.attribute)
    if old == value:
        # Nothing changes, but an admin chose it: the App Home's setup checklist counts it as set.
        record_change(session, team_id, user_id, "settings_confirmed", now, key=key, value=value)
        return t("{key} is already {value}. Nothing changed.", key=f"`{key}`", value=setting.show(value))
    setattr(ws, setting.attribute, value)
    record_change(session, team_id, user_id, "settings_changed", now, key=key, old=old, new=value)
    setting.effect.apply(session, team_id, now)
    return t(
        "{key} is now *{value}* (was {old}). {effect}",
        key=f"`{key}`",
        value=setting.show(value),
        old=setting.show(old),
        effect=t(setting.effect.says),
    )


SETUP = ("timezone", "holidays", "summary-channel")  # what an admin is asked to set up on the App Home


def not_set_up(session: Session, ws: Workspace) -> list[str]:
    """The keys of SETUP an admin has not yet set: still at their default (UTC, no holidays, no summary channel)
    and never chosen with `/greenlight settings`, even as the value they already had."""
    defaults = {"timezone": "UTC", "holidays": None, "summary-channel": None}
    chosen = {
        e.data.get("key")
        for e in session.scalars(
            select(Event).where(
                Event.team_id == ws.team_id,
                Event.initiative_id.is_(None),
                Event.kind.in_(("settings_changed", "settings_confirmed")),
            )
        )
    }
    return [key for key in SETUP if key not in chosen and getattr(ws, SETTINGS[key].attribute) in (defaults[key], "")]


def history(session: Session, team_id: str) -> list[tuple[datetime, str | None, str, str, str]]:
    """Every settings change of the workspace, newest first: (when, who, key, old value shown, new value shown)."""
    events = session.scalars(
        select(Event)
        .where(Event.team_id == team_id, Event.initiative_id.is_(None), Event.kind == "settings_changed")
        .order_by(Event.id.desc())
    )
    rows = []
    for e in events:
        key, setting = e.data.get("key"), SETTINGS.get(e.data.get("key"))
        shown = setting.show if setting else show_text
        rows.append((e.at, e.actor_id, key, shown(e.data.get("old")), shown(e.data.get("new"))))
    return rows
