"""A person's own calendar and preferences (`/greenlight me`): working hours, working days and public holidays that
replace the workspace's for everything Greenlight times for them (SPEC §3, personal calendars), and the digest (at
most one Greenlight DM a working day).

Each key is one declaration, like a workspace setting; the value `workspace` unsets it (it follows the workspace
again, or its default). A change reschedules that person's pending reminders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.initiatives import day
from bot.parsing import Due
from bot.services import Refusal, record_change
from bot.services import away as absences
from bot.services.nudges import reschedule_person
from bot.services.settings import Invalid, holidays_country, hours, on_off, show_on_off, weekdays
from bot.services.workspaces import workspace
from bot.text import escape, mention, plain_from_slack, quoted
from storage.models import Person

FOLLOW = ("workspace", "default", "unset")  # values that hand a key back to the workspace


@dataclass(frozen=True)
class Preference:
    """One key of `/greenlight me`: its Person column, what it follows while unset, and its parser."""

    key: str
    attribute: str  # the Person column
    meaning: str
    example: str
    read: Callable[[str], Any]  # the value as Slack sent it → what is stored; raises Invalid
    # The stored value that follows (None: the Workspace column of the same name), and how values read back.
    unset: Any = None
    inherited: Callable[[Any], str] = lambda ws_value: f"{escape(ws_value or 'none')} (the workspace's)"
    shown: Callable[[Any], str] = lambda value: escape(value or "none")
    says: Callable[[Any], str] = lambda value: "Your reminders, last calls and waiting times follow it."


def _holidays(raw: str) -> str:
    """A country or region code; 'none' → '' (no public holidays, whatever the workspace's)."""
    return holidays_country(raw) or ""


PREFERENCES = {
    p.key: p
    for p in (
        Preference(
            "working-hours", "working_hours", "when reminders may reach you, in your time zone", "08:00-16:00", hours
        ),
        Preference("working-days", "working_days", "the days you work", "mon-thu", weekdays),
        Preference("holidays", "holidays", "your public holidays (country or country-region)", "US-NY", _holidays),
        Preference(
            "digest",
            "digest",
            "at most one Greenlight DM a working day; what comes after it waits for the next day's",
            "on",
            on_off,
            unset=False,
            inherited=lambda _: "off (the default)",
            shown=show_on_off,
            says=lambda on: (
                "From now on you get at most one Greenlight DM a working day: what comes after it joins "
                "the next day's. Answers to what you do still come at once."
                if on
                else "Greenlight's DMs reach you as they come again."
            ),
        ),
    )
}


def show(pref: Preference, value: Any, ws) -> str:
    """'*FR*' for an own value, 'DE (the workspace's)' for one that follows the workspace (or the default)."""
    if value == pref.unset:
        return pref.inherited(getattr(ws, pref.attribute, None))
    return f"*{pref.shown(value)}*"


def calendar_of(session: Session, team_id: str, user_id: str, now: datetime, default_tz: str = "UTC") -> str:
    """What `/greenlight me` shows: each key with its value, own or the workspace's, and how to change it."""
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    person = session.get(Person, (team_id, user_id))
    lines = [f"*Your calendar* (time zone {escape(person.tz if person else ws.timezone)}, from your Slack profile):"]
    for p in PREFERENCES.values():
        lines.append(f"• `{p.key}`: {show(p, getattr(person, p.attribute, p.unset), ws)} — {p.meaning}")
    lines.append(
        "Change one with `/greenlight me <key> <value>`, for example `/greenlight me holidays US-NY` or "
        "`/greenlight me digest on`; `/greenlight me <key> workspace` follows the workspace again."
    )
    last, delegate = absences.described(session, team_id, user_id, now)
    if last:
        stands = f", {mention(delegate)} stands in for you" if delegate else ", nobody stands in for you"
        lines.append(f"*Away* until {day(last)}{stands}. `/greenlight me away off` ends it.")
    else:
        lines.append("Going away? `/greenlight me away until YYYY-MM-DD [delegate @person]` pauses your reminders.")
    return "\n".join(lines)


def away(session: Session, team_id: str, user_id: str, until: Due | None, delegate_id: str | None, now) -> str:
    """`/greenlight me away until <date> [delegate @d]`, or `… away off` (no `until`)."""
    if until is None:
        return absences.come_back(session, team_id, user_id, now)
    return absences.declare(session, team_id, user_id, until.on, delegate_id, now)


def _read(pref: Preference, raw_value: str) -> Any:
    """What to store for the value typed: the key's own value, or its unset one for `workspace`; Refusal if unreadable."""
    if not raw_value.strip():
        raise Refusal(f"Give `{pref.key}` a value, for example: `/greenlight me {pref.key} {pref.example}`.")
    try:
        return pref.unset if plain_from_slack(raw_value).strip().lower() in FOLLOW else pref.read(raw_value)
    except Invalid as e:
        raise Refusal(f"{e} For example: `/greenlight me {pref.key} {pref.example}`.") from None


def _set(session: Session, person: Person, pref: Preference, value: Any, now: datetime) -> str | None:
    """Store one key (recorded; their reminders rescheduled); what to tell them, or None if it was already so."""
    old = getattr(person, pref.attribute)
    if old == value:
        return None
    setattr(person, pref.attribute, value)
    record_change(session, person.team_id, person.user_id, "calendar_changed", now, key=pref.key, old=old, new=value)
    reschedule_person(session, person.team_id, person.user_id, now)
    ws = workspace(session, person.team_id, now=now)
    return f"Your `{pref.key}` is now {show(pref, value, ws)}. {pref.says(value)}"


def _person(session: Session, team_id: str, user_id: str) -> Person:
    person = session.get(Person, (team_id, user_id))
    if person is None:  # the flow caches everyone who runs the command first; this is a bug, not bad input
        raise RuntimeError(f"{user_id} is not in the people cache")
    return person


def change(session: Session, team_id: str, user_id: str, key: str, raw_value: str, now: datetime) -> str:
    """Set (or hand back to the workspace) one key of this person's calendar; their reminders follow it."""
    pref = PREFERENCES.get(key)
    if pref is None:
        raise Refusal(
            f"There is no key {quoted(plain_from_slack(key), code=True)} for `/greenlight me`. The keys are: "
            + ", ".join(f"`{k}`" for k in PREFERENCES)
            + "."
        )
    value = _read(pref, raw_value)
    person = _person(session, team_id, user_id)
    said = _set(session, person, pref, value, now)
    if said is None:
        return f"Your `{key}` is already {show(pref, value, workspace(session, team_id, now=now))}. Nothing changed."
    return said


class FormInvalid(Refusal):
    """Values of the calendar form that cannot be read ({key: what is wrong}); nothing is saved."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def form_values(session: Session, team_id: str, user_id: str, now: datetime) -> tuple[dict, dict]:
    """({key: own value, or its unset value}, {key: what it follows, as shown}) for the App Home's form."""
    ws = workspace(session, team_id, now=now)
    person = session.get(Person, (team_id, user_id))
    return (
        {k: getattr(person, p.attribute, p.unset) for k, p in PREFERENCES.items()},
        {k: getattr(ws, p.attribute, None) for k, p in PREFERENCES.items()},
    )


def save_form(
    session: Session,
    team_id: str,
    user_id: str,
    typed: dict[str, str],
    now: datetime,
    away_typed: tuple[date | None, str | None] = (None, None),
) -> str:
    """The calendar form submitted: each changed key set (an empty one follows the workspace), and the absence
    (an empty date: not away), or FormInvalid."""
    person = _person(session, team_id, user_id)
    values, errors, said = {}, {}, []
    for key, raw in typed.items():
        try:
            values[key] = _read(PREFERENCES[key], raw.strip() or FOLLOW[0])
        except Refusal as e:
            errors[key] = str(e)
    until, delegate = away_typed
    if until is None and delegate:
        errors["away-until"] = "Say until when you are away, or leave the delegate empty."
    elif (until, delegate) != absences.described(session, team_id, user_id, now):
        try:
            said.append(away(session, team_id, user_id, Due(on=until) if until else None, delegate, now))
        except absences.DelegateRefused as e:
            errors["delegate"] = str(e)
        except Refusal as e:
            errors["away-until"] = str(e)
    if errors:
        raise FormInvalid(errors)
    set_now = [told for key, value in values.items() if (told := _set(session, person, PREFERENCES[key], value, now))]
    return " ".join(set_now + said) or "Nothing changed."
