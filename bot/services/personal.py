"""A person's own calendar and preferences (`/greenlight me`): working hours, working days and public holidays that
replace the workspace's for everything Greenlight times for them (SPEC §3, personal calendars), and the digest (at
most one Greenlight DM a working day), and the language Greenlight writes to them in.

Each key is one declaration, like a workspace setting; the value `workspace` unsets it (it follows the workspace
again, or its default). A change of their calendar reschedules that person's pending reminders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import i18n
from bot.i18n import N_, t
from bot.parsing import Due
from bot.services import Refusal, record_change
from bot.services import away as absences
from bot.services.nudges import reschedule_person
from bot.services.settings import Invalid, holidays_country, hours, on_off, show_on_off, weekdays
from bot.services.workspaces import reader_language, workspace
from bot.text import escape, mention, plain_from_slack, quoted
from storage.models import Person

FOLLOW = ("workspace", "default", "unset")  # values that hand a key back to the workspace
AUTO = "auto"  # `/greenlight me language auto`: their Slack language if Greenlight speaks it, else the workspace's


def _none() -> str:
    # Translators: an unset calendar value (no public holidays)
    return t("none")


@dataclass(frozen=True)
class Preference:
    """One key of `/greenlight me`: its Person column, what it follows while unset, and its parser."""

    key: str
    attribute: str  # the Person column
    meaning: str  # marked with N_, shown as t(meaning)
    example: str
    read: Callable[[str], Any]  # the value as Slack sent it → what is stored; raises Invalid
    # The stored value that follows (None: the Workspace column of the same name), and how values read back: an
    # unset one from the workspace's value and the person (or None), an own one from the value.
    unset: Any = None
    inherited: Callable[[Any, Person | None], str] = lambda ws_value, _: t(
        "{value} (the workspace's)", value=escape(ws_value) if ws_value else _none()
    )
    shown: Callable[[Any], str] = lambda value: escape(value) if value else _none()
    says: Callable[[Any], str] = lambda value: t("Your reminders, last calls and waiting times follow it.")
    reschedules: bool = True  # a change moves the person's pending reminders


def _holidays(raw: str) -> str:
    """A country or region code; 'none' → '' (no public holidays, whatever the workspace's)."""
    return holidays_country(raw) or ""


def _language(raw: str) -> str | None:
    """'de' → 'de' (a language Greenlight speaks); 'auto' → None (their Slack language, else the workspace's)."""
    text = plain_from_slack(raw).strip().lower()
    if text == AUTO:
        return None
    if text not in i18n.languages():
        raise Invalid(
            t(
                "{value} is not a language Greenlight speaks. It speaks: {languages}; `auto` follows your Slack "
                "language.",
                value=quoted(plain_from_slack(raw).strip()),
                languages=", ".join(f"`{lang}`" for lang in i18n.languages()),
            )
        )
    return text


def _auto_language(ws_language: str | None, person: Person | None) -> str:
    """'auto: de (from your Slack language)', or 'auto: en (the workspace's)' when Greenlight does not speak it."""
    slack = i18n.language_of(person.locale if person else None)
    if slack:
        return t("auto: {language} (from your Slack language)", language=slack)
    return t("auto: {language} (the workspace's)", language=escape(ws_language or i18n.SOURCE))


PREFERENCES = {
    p.key: p
    for p in (
        Preference(
            "working-hours",
            "working_hours",
            N_("when reminders may reach you, in your time zone"),
            "08:00-16:00",
            hours,
        ),
        Preference("working-days", "working_days", N_("the days you work"), "mon-thu", weekdays),
        Preference("holidays", "holidays", N_("your public holidays (country or country-region)"), "US-NY", _holidays),
        Preference(
            "language",
            "language",
            N_("the language Greenlight writes to you in (`auto`: your Slack language, if Greenlight speaks it)"),
            "de",
            _language,
            inherited=_auto_language,
            says=lambda _: t("Greenlight writes to you in it from now on."),
            reschedules=False,
        ),
        Preference(
            "digest",
            "digest",
            N_("at most one Greenlight DM a working day; what comes after it waits for the next day's"),
            "on",
            on_off,
            unset=False,
            inherited=lambda _, __: t("off (the default)"),
            shown=show_on_off,
            says=lambda on: (
                t(
                    "From now on you get at most one Greenlight DM a working day: what comes after it joins "
                    "the next day's. Answers to what you do still come at once."
                )
                if on
                else t("Greenlight's DMs reach you as they come again.")
            ),
        ),
    )
}


def show(pref: Preference, value: Any, ws, person: Person | None = None) -> str:
    """'*FR*' for an own value, 'DE (the workspace's)' for one that follows the workspace (or the default)."""
    if value == pref.unset:
        return pref.inherited(getattr(ws, pref.attribute, None), person)
    return f"*{pref.shown(value)}*"


def calendar_of(session: Session, team_id: str, user_id: str, now: datetime, default_tz: str = "UTC") -> str:
    """What `/greenlight me` shows: each key with its value, own or the workspace's, and how to change it."""
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    person = session.get(Person, (team_id, user_id))
    lines = [
        t(
            "*Your calendar* (time zone {zone}, from your Slack profile):",
            zone=escape(person.tz if person else ws.timezone),
        )
    ]
    for p in PREFERENCES.values():
        lines.append(f"• `{p.key}`: {show(p, getattr(person, p.attribute, p.unset), ws, person)} — {t(p.meaning)}")
    lines.append(
        t(
            "Change one with `/greenlight me <key> <value>`, for example `/greenlight me holidays US-NY` or "
            "`/greenlight me digest on`; `/greenlight me <key> workspace` follows the workspace again."
        )
    )
    last, delegate = absences.described(session, team_id, user_id, now)
    if last and delegate:
        lines.append(
            t(
                "*Away* until {day}, {delegate} stands in for you. `/greenlight me away off` ends it.",
                day=i18n.day(last),
                delegate=mention(delegate),
            )
        )
    elif last:
        lines.append(
            t("*Away* until {day}, nobody stands in for you. `/greenlight me away off` ends it.", day=i18n.day(last))
        )
    else:
        lines.append(t("Going away? `/greenlight me away until YYYY-MM-DD [delegate @person]` pauses your reminders."))
    return "\n".join(lines)


def away(session: Session, team_id: str, user_id: str, until: Due | None, delegate_id: str | None, now) -> str:
    """`/greenlight me away until <date> [delegate @d]`, or `… away off` (no `until`)."""
    if until is None:
        return absences.come_back(session, team_id, user_id, now)
    return absences.declare(session, team_id, user_id, until.on, delegate_id, now)


def _read(pref: Preference, raw_value: str) -> Any:
    """What to store for the value typed: the key's own value, or its unset one for `workspace`; Refusal if unreadable."""
    if not raw_value.strip():
        raise Refusal(
            t(
                "Give {key} a value, for example: {command}.",
                key=f"`{pref.key}`",
                command=f"`/greenlight me {pref.key} {pref.example}`",
            )
        )
    try:
        return pref.unset if plain_from_slack(raw_value).strip().lower() in FOLLOW else pref.read(raw_value)
    except Invalid as e:
        raise Refusal(
            t(
                "{problem} For example: {command}.",
                problem=str(e),
                command=f"`/greenlight me {pref.key} {pref.example}`",
            )
        ) from None


def _set(session: Session, person: Person, pref: Preference, value: Any, now: datetime) -> str | None:
    """Store one key (recorded; their reminders rescheduled); what to tell them, or None if it was already so.

    The answer is in the language they read from now on (a change of `language` is confirmed in the new one)."""
    old = getattr(person, pref.attribute)
    if old == value:
        return None
    setattr(person, pref.attribute, value)
    record_change(session, person.team_id, person.user_id, "calendar_changed", now, key=pref.key, old=old, new=value)
    if pref.reschedules:
        reschedule_person(session, person.team_id, person.user_id, now)
    ws = workspace(session, person.team_id, now=now)
    with i18n.speaking(reader_language(ws, person)):
        return t(
            "Your {key} is now {value}. {says}",
            key=f"`{pref.key}`",
            value=show(pref, value, ws, person),
            says=pref.says(value),
        )


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
            t(
                "There is no key {key} for `/greenlight me`. The keys are: {keys}.",
                key=quoted(plain_from_slack(key), code=True),
                keys=", ".join(f"`{k}`" for k in PREFERENCES),
            )
        )
    value = _read(pref, raw_value)
    person = _person(session, team_id, user_id)
    said = _set(session, person, pref, value, now)
    if said is None:
        return t(
            "Your {key} is already {value}. Nothing changed.",
            key=f"`{key}`",
            value=show(pref, value, workspace(session, team_id, now=now), person),
        )
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
        errors["away-until"] = t("Say until when you are away, or leave the delegate empty.")
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
    return " ".join(set_now + said) or t("Nothing changed.")
