"""Nudges over weeks of business time: working hours, weekends, a public holiday, three time zones."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from bot.calendar import WorkWeek, zone
from bot.jobs import sweep
from storage.models import Approval, Event, Initiative
from tests.facts import bold, days, mentions, of_kind, references, sent_as
from tests.slack_driver import buttons, text_of
from tests.story import nudges_in, register_rollout, run_for, set_workspace

ZONES = {"UALICE": "Europe/Berlin", "UBOB": "America/Los_Angeles", "UCAROL": "Asia/Tokyo"}
GERMANY = WorkWeek(holidays_country="DE")


def manual_nudges(gl, slack, user):
    return of_kind(gl, slack.dms(user), "manual")


def manual_events(gl) -> int:
    with gl.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.kind == "manual_nudge"))


def test_every_nudge_lands_in_working_hours_on_the_cadence_day(slack, gl, fake, clock):
    set_workspace(gl, holidays="DE")
    register_rollout(slack, gl)
    sent = run_for(gl, fake, clock, days=33)

    for user, tz_name in ZONES.items():
        tz = zone(tz_name)
        nudges = nudges_in(gl, sent, user)
        assert nudges, user
        for at, _ in nudges:
            local = at.astimezone(tz)
            assert GERMANY.is_business_day(local.date()), (user, local)
            assert 9 <= local.hour < 17, (user, local)  # within one hourly sweep of the due moment

    alice_days = [at.astimezone(zone("Europe/Berlin")).date() for at, _ in nudges_in(gl, sent, "UALICE")]
    assert alice_days == [
        date(2026, 12, 9),
        date(2026, 12, 11),
        date(2026, 12, 15),
        date(2026, 12, 17),
        date(2026, 12, 21),
        date(2026, 12, 23),
        date(2026, 12, 28),  # Christmas Day (Friday) is a holiday in DE
        date(2026, 12, 30),
        date(2027, 1, 4),  # New Year's Day (Friday) too
        date(2027, 1, 6),
        date(2027, 1, 7),  # the last call, the business day before the deadline
    ]
    last_call = nudges_in(gl, sent, "UALICE")[-1][1]
    assert sent_as(gl, last_call) == {"lastcall"}

    # Bob in Los Angeles was asked at 01:00 his time; his first nudge waits for 09:00 two business days on.
    bob_first = nudges_in(gl, sent, "UBOB")[0][0].astimezone(zone("America/Los_Angeles"))
    assert (bob_first.date(), bob_first.hour) == (date(2026, 12, 9), 9)
    # Carol in Tokyo was asked at 18:00; two business days later is after hours, so 09:00 the next day.
    carol_first = nudges_in(gl, sent, "UCAROL")[0][0].astimezone(zone("Asia/Tokyo"))
    assert (carol_first.date(), carol_first.hour) == (date(2026, 12, 10), 9)

    # Escalated at the end of the deadline day: no more nudges after it.
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert ini.status == "escalated"
        assert s.scalar(select(Approval.next_nudge_at).where(Approval.next_nudge_at.is_not(None))) is None
    assert all(at <= ini.escalated_at for at, _ in nudges_in(gl, sent, "UALICE"))


def test_nudge_dm_says_how_long_who_else_and_the_plan(slack, gl, fake, clock):
    register_rollout(slack, gl)
    sent = run_for(gl, fake, clock, days=2.5)
    at, nudge = nudges_in(gl, sent, "UALICE")[0]
    text = text_of(nudge)
    assert "2 business days" in bold(text)  # how long
    assert {"UBOB", "UCAROL"} <= set(mentions(text)) and "UALICE" not in mentions(text)  # who else is pending
    assert days(text)[-2:] == ["Fri 11 Dec 2026", "Fri 8 Jan 2027"]  # the next reminder, then the deadline
    assert "USPONSOR" in mentions(text)  # who decides once the deadline has passed
    assert buttons(nudge) == [
        ("Approve", "approve"),
        ("Reject", "reject"),
        ("Snooze", "snooze"),
        ("Ask a question", "ask_question"),
    ]


def test_approve_from_a_nudge_stops_that_approvers_nudges(slack, gl, fake, clock):
    register_rollout(slack, gl)
    sent = run_for(gl, fake, clock, days=2.5)
    nudge = nudges_in(gl, sent, "UALICE")[0][1]
    reply = slack.click("approve", "1", "UALICE", message=nudge)
    assert references(reply["text"]) == ["GL-1"]
    with gl.transaction() as s:
        assert [a.decision for a in s.scalars(select(Approval).order_by(Approval.position))] == [
            "approved",
            "pending",
            "pending",
        ]
    # The nudge itself now says what happened, and its buttons are gone.
    assert reply["replace_original"] is True and buttons(reply) == []
    assert nudge["blocks"][0] in reply["blocks"]  # the nudge stays readable…
    assert ":white_check_mark:" in text_of(reply) and ":white_check_mark:" not in text_of(
        nudge
    )  # …with the answer added
    sent = run_for(gl, fake, clock, days=7)
    assert nudges_in(gl, sent, "UALICE") == []
    assert nudges_in(gl, sent, "UBOB")


def test_snooze_moves_the_next_nudge_to_the_next_business_day(slack, gl, fake, clock):
    register_rollout(slack, gl)
    run_for(gl, fake, clock, days=2.5)  # Wednesday evening in Berlin; next cadence nudge is Friday
    clock.set(clock.now().replace(hour=8))  # Wednesday 09:00 Berlin
    with gl.transaction() as s:
        before = s.scalar(select(Approval).where(Approval.approver_id == "UALICE"))
    [nudge] = of_kind(gl, slack.dms("UALICE"), "nudge")
    reply = slack.click("snooze", "1", "UALICE", message=nudge)
    assert references(reply["text"]) == ["GL-1"] and days(reply["text"]) == ["Fri 11 Dec 2026"]
    assert reply["replace_original"] is True and ("Approve", "approve") in buttons(reply)  # still to be answered
    assert "waiting time keeps counting" in reply["text"]
    with gl.transaction() as s:
        after = s.scalar(select(Approval).where(Approval.approver_id == "UALICE"))
        assert after.snoozed_until.astimezone(zone("Europe/Berlin")).isoformat().startswith("2026-12-10T09:00")
        assert after.next_nudge_at >= after.snoozed_until
        assert s.scalar(select(Event.kind).where(Event.kind == "snoozed")) == "snoozed"

    # Snoozing again right after a nudge pushes the next one to at least the next business day.
    clock.set(before.requested_at + timedelta(days=4, hours=1))  # Friday 11:00 Berlin, just after the nudge
    sweep(gl)
    slack.click("snooze", "1", "UALICE")
    sent = run_for(gl, fake, clock, days=4)
    first = nudges_in(gl, sent, "UALICE")[0][0].astimezone(zone("Europe/Berlin"))
    assert first.date() >= date(2026, 12, 14) and 9 <= first.hour < 17


def test_manual_nudge_once_per_business_day_in_working_hours(slack, gl, fake, clock):
    register_rollout(slack, gl)
    reply = slack.command("nudge GL-1", user="USPONSOR")
    assert mentions(reply["text"]) == ["UALICE", "UBOB", "UCAROL"] and references(reply["text"]) == ["GL-1"]
    # Berlin is at work (10:00); Los Angeles (01:00) and Tokyo (18:00) are not: theirs wait.
    assert manual_nudges(gl, slack, "UALICE")
    assert not manual_nudges(gl, slack, "UBOB")
    before = manual_events(gl)
    again = slack.command("nudge gl-1", user="UOWNER")
    assert days(again["text"]) == ["Tue 8 Dec 2026"] and manual_events(gl) == before == 1  # already today: tomorrow
    refused = slack.command("nudge 1", user="UALICE")
    assert mentions(refused["text"]) == ["UOWNER", "USPONSOR"] and manual_events(gl) == 1  # who may nudge

    sent = run_for(gl, fake, clock, days=1)
    bob = [at for at, ch, m in sent if ch == "UBOB" and m in manual_nudges(gl, slack, "UBOB")]
    assert len(bob) == 1 and bob[0].astimezone(zone("America/Los_Angeles")).hour == 9
    slack.command("nudge GL-1", user="UOWNER")
    assert manual_events(gl) == 2  # a new business day


def test_ask_a_question_opens_a_thread_with_the_owner(slack, gl, fake, clock):
    register_rollout(slack, gl)
    assert slack.click("ask_question", "1", "UBOB") is None
    view = fake.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "ask_question"
    slack.submit(view, {"question": "Which budget line is this?"}, "UBOB")
    assert fake.calls("conversations.open")[-1].args["users"] == "UBOB,UOWNER"
    posted = [c.args for c in fake.calls("chat.postMessage") if c.args["channel"] == "DUBOB"][-1]
    assert mentions(text_of(posted))[:2] == ["UBOB", "UOWNER"] and "GL-1" in references(text_of(posted))
    assert "Which budget line is this?" in text_of(posted)
    story = text_of(slack.command("show GL-1")).split("\n")
    with gl.transaction() as s:
        asked = s.scalar(select(Event).where(Event.kind == "question"))
    assert asked.actor_id == "UBOB" and asked.data == {"text": "Which budget line is this?"}
    assert [
        line
        for line in story
        if line.startswith(asked.at.astimezone(zone("Europe/Berlin")).strftime("%a %-d %b %Y %H:%M"))
        and mentions(line) == ["UBOB"]
    ]  # on the story, at its moment


def test_working_days_setting_is_honoured(slack, gl, fake, clock):
    # A Sunday-to-Thursday week: Friday and Saturday are not business days.
    set_workspace(gl, working_days="sun,mon,tue,wed,thu")
    register_rollout(slack, gl, "new Rollout approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2027-01-08")
    sent = run_for(gl, fake, clock, days=14)
    days = [at.astimezone(zone("Europe/Berlin")).date() for at, _ in nudges_in(gl, sent, "UALICE")]
    assert days[:3] == [date(2026, 12, 9), date(2026, 12, 13), date(2026, 12, 15)]
    assert all(d.weekday() not in (4, 5) for d in days)


def test_a_nudge_follows_an_approver_who_moves_time_zone(slack, gl, fake, clock):
    register_rollout(slack, gl, "new Rollout approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2027-01-08")
    fake.users["UALICE"]["tz"] = "America/New_York"  # Alice flies to New York on Tuesday
    run_for(gl, fake, clock, days=25 / 24)
    assert len([c for c in fake.calls("users.info") if c.args["user"] == "UALICE"]) == 2  # at registration, a day later
    sent = run_for(gl, fake, clock, days=2)
    first = nudges_in(gl, sent, "UALICE")[0][0].astimezone(zone("America/New_York"))
    assert (first.date(), first.hour) == (date(2026, 12, 9), 9)  # asked at 04:00 New York time: 09:00 there, not Berlin
    assert len([c for c in fake.calls("users.info") if c.args["user"] == "UALICE"]) == 3  # once a day, no more
