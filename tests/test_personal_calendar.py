"""Personal calendars (SPEC §3): `/greenlight me` shows and sets a person's working hours, working days and
holidays (country or country-region); unset keys follow the workspace; an approver's business time, nudges and
last call use their own calendar."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.calendar import WorkWeek, zone
from storage.models import Approval, Event, Person
from tests.facts import bold
from tests.story import nudges_in, register_rollout, run_for, set_workspace

BAVARIA = WorkWeek(holidays_country="DE-BY")


def test_me_shows_sets_refuses_and_hands_back_to_the_workspace(slack, gl):
    set_workspace(gl, holidays="DE")
    shown = slack.command("me", user="UCAROL")["text"]
    assert "Asia/Tokyo" in shown and "DE (the workspace's)" in shown and "09:00-17:00 (the workspace's)" in shown

    assert "JP" in bold(slack.command("me holidays jp", user="UCAROL")["text"])
    assert "US-NY" in bold(slack.command("me holidays us-ny", user="UBOB")["text"])
    assert "mon,tue,wed,thu" in bold(slack.command("me working-days mon-thu", user="UCAROL")["text"])
    assert "08:00-16:00" in bold(slack.command("me working-hours 8:00 - 16:00", user="UCAROL")["text"])
    shown = slack.command("me", user="UCAROL")["text"]
    assert "*JP*" in shown and "*mon,tue,wed,thu*" in shown and "*08:00-16:00*" in shown

    refused = slack.command("me holidays US-XX", user="UCAROL")["text"]
    assert "is not a country code I know holidays for" in refused and "/greenlight me holidays US-NY" in refused
    assert "There is no key" in slack.command("me timezone Europe/Paris", user="UCAROL")["text"]
    assert "Give `holidays` a value" in slack.command("me holidays", user="UCAROL")["text"]

    assert "DE (the workspace's)" in slack.command("me holidays workspace", user="UCAROL")["text"]
    with gl.transaction() as s:
        carol = s.get(Person, ("T1", "UCAROL"))
        assert (carol.holidays, carol.working_days, carol.working_hours) == (None, "mon,tue,wed,thu", "08:00-16:00")
        bob = s.get(Person, ("T1", "UBOB"))
        assert bob.holidays == "US-NY"
        changes = [e.data["key"] for e in s.scalars(select(Event).where(Event.kind == "calendar_changed"))]
    assert changes == ["holidays", "holidays", "working-days", "working-hours", "holidays"]  # each change, once


def test_an_approvers_own_holidays_and_days_move_their_reminders(slack, gl, fake, clock):
    set_workspace(gl, holidays="DE")
    slack.command("me holidays DE-BY", user="UALICE")  # Epiphany, 6 January, is a holiday in Bavaria only
    slack.command("me working-days mon-thu", user="UBOB")  # Bob never works on Fridays
    register_rollout(slack, gl)
    sent = run_for(gl, fake, clock, days=33)

    alice = [at.astimezone(zone("Europe/Berlin")) for at, _ in nudges_in(gl, sent, "UALICE")]
    assert alice and all(BAVARIA.is_business_day(at.date()) and 9 <= at.hour < 17 for at in alice)
    assert date(2027, 1, 6) not in [at.date() for at in alice]  # the workspace's calendar would nudge her that day
    bob = [at.astimezone(zone("America/Los_Angeles")) for at, _ in nudges_in(gl, sent, "UBOB")]
    assert bob and all(at.weekday() < 4 and 9 <= at.hour < 17 for at in bob)
    # Every DM Greenlight sent them arrived on one of their own business days.
    for at, channel, _ in sent:
        if channel == "UALICE":
            assert BAVARIA.is_business_day(at.astimezone(zone("Europe/Berlin")).date())
        if channel == "UBOB":
            assert at.astimezone(zone("America/Los_Angeles")).weekday() < 4


def language_of(gl, user):
    with gl.transaction() as s:
        return s.get(Person, ("T1", user)).language


def test_me_language_is_their_own_or_auto(slack, gl, fake):
    fake.add_user("UMARIE", name="marie", locale="es-ES")  # a Slack language Greenlight does not speak
    set_workspace(gl, language="de")
    assert "`language`: auto: en (from your Slack language)" in slack.command("me", user="UCAROL")["text"]
    assert "`language`: auto: de (Sprache des Workspace)" in slack.command("me", user="UMARIE")["text"]

    said = slack.command("me language DE", user="UCAROL")["text"]
    assert bold(said) == ["de"] and language_of(gl, "UCAROL") == "de"
    assert "`language`: *de*" in slack.command("me", user="UCAROL")["text"]
    assert "Es wurde nichts geändert" in slack.command("me language de", user="UCAROL")["text"]  # in her language
    assert "auto: en (from your Slack language)" in slack.command("me language auto", user="UCAROL")["text"]
    assert language_of(gl, "UCAROL") is None
    slack.command("me language en", user="UMARIE")
    assert "auto: de (Sprache des Workspace)" in slack.command("me language workspace", user="UMARIE")["text"]
    assert language_of(gl, "UMARIE") is None
    with gl.transaction() as s:
        changes = [
            (e.data["old"], e.data["new"]) for e in s.scalars(select(Event).where(Event.kind == "calendar_changed"))
        ]
    assert changes == [(None, "de"), ("de", None), (None, "en"), ("en", None)]


@pytest.mark.parametrize("value", ["klingon", "es", "de-DE"])
def test_me_language_refuses_one_greenlight_does_not_speak(slack, gl, value):
    refused = slack.command(f"me language {value}", user="UCAROL")["text"]
    assert (
        f"“{value}” is not a language Greenlight speaks. It speaks: `en`, `de`, `fr`, `ja`; `auto` follows" in refused
    )
    assert "`/greenlight me language de`" in refused
    assert language_of(gl, "UCAROL") is None
    with gl.transaction() as s:
        assert s.scalars(select(Event).where(Event.kind == "calendar_changed")).first() is None


def test_the_answer_to_a_new_language_is_in_it(slack, gl):
    """The confirmation is built in the language just chosen."""
    assert slack.command("me language de", user="UCAROL")["text"].startswith("Ihre Einstellung `language` ist jetzt")
    assert slack.command("me language en", user="UCAROL")["text"].startswith("Your `language` is now *en*.")


def test_a_change_of_language_moves_no_reminder(slack, gl):
    slack.command("new Plan approvers <@UCAROL|c> sponsor <@USPONSOR|s>")

    def reminder():
        with gl.transaction() as s:
            return s.scalar(select(Approval.next_nudge_at))

    planned = reminder()
    slack.command("me language de", user="UCAROL")
    assert reminder() == planned
    slack.command("me working-hours 10:00-18:00", user="UCAROL")  # a calendar change does move it
    assert reminder() != planned
