"""One reminder per person per day (SPEC §3): reminders due to one person at once come as one DM with each
initiative's buttons; a manual nudge never adds a second reminder on a day; a scheduled reminder due on a day that
already had one waits for the next working day."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import OutboxMessage
from tests.facts import mentions, of_kind, references
from tests.slack_driver import buttons
from tests.story import run_for

BERLIN = zone("Europe/Berlin")
REMINDERS = ("nudge", "lastcall", "manual", "reminders")


def reminder_days(gl, sent, user) -> Counter:
    """How many reminders (of any kind, combined or not) reached this person on each of their local days."""
    theirs = of_kind(gl, [m for _, ch, m in sent if ch == user], *REMINDERS)
    return Counter(at.astimezone(BERLIN).date() for at, ch, m in sent if ch == user and any(m is r for r in theirs))


def test_reminders_due_at_once_come_as_one_dm_with_each_initiatives_buttons(slack, gl, fake, clock):
    for title in ("Vendor switch", "Hiring plan"):
        slack.command(f"new {title} approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23")
    sent = run_for(gl, fake, clock, days=14)
    days = reminder_days(gl, sent, "UALICE")
    assert days and max(days.values()) == 1, days  # never two on one day
    [combined, *_] = of_kind(gl, [m for _, ch, m in sent if ch == "UALICE"], "reminders")
    assert references(combined["text"]) == ["GL-1", "GL-2"]  # the notification names both
    actions = [b for b in combined["blocks"] if b["type"] == "actions"]
    assert [{el["value"] for el in a["elements"] if el["type"] == "button"} for a in actions] == [
        {"1"},
        {"2"},
    ]  # own buttons
    assert ("Approve", "approve") in buttons(combined)


def test_reminders_due_later_the_same_day_join_the_one_that_goes_now(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23")  # Monday 10:00
    clock.advance(hours=4)
    slack.command("new Hiring plan approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23")  # Monday 14:00
    sent = run_for(gl, fake, clock, days=5, step_minutes=30)  # their first reminders: Wednesday 10:00 and 14:00
    reminded = [
        (at.astimezone(BERLIN), references(m["text"]))
        for at, ch, m in sent
        if ch == "UALICE" and of_kind(gl, [m], *REMINDERS)
    ]
    wednesday, friday = datetime(2026, 12, 9, 10, 0, tzinfo=BERLIN), datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN)
    assert reminded == [(wednesday, ["GL-1", "GL-2"]), (friday, ["GL-1", "GL-2"])]  # one DM a day, both in it


def test_a_manual_nudge_on_a_day_that_had_a_reminder_is_refused_with_its_time(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23")
    run_for(gl, fake, clock, days=2.1)  # Alice's first reminder: Wednesday 9 December at 10:00 in Berlin
    assert of_kind(gl, slack.dms("UALICE"), "nudge")
    refused = slack.command("nudge GL-1", user="UOWNER")["text"]
    assert mentions(refused) == ["UALICE"] and "10:00" in refused and "Wed 9 Dec 2026" in refused
    assert not of_kind(gl, slack.dms("UALICE"), "manual")


def test_a_scheduled_reminder_on_the_day_of_a_manual_one_waits_for_the_next_day(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23")
    clock.set(datetime(2026, 12, 9, 8, 0, tzinfo=UTC))  # Wednesday 09:00 in Berlin; her reminder is due at 10:00
    assert references(slack.command("nudge GL-1", user="UOWNER")["text"]) == ["GL-1"]
    assert len(of_kind(gl, slack.dms("UALICE"), "manual")) == 1  # at once: she is at work
    sent = run_for(gl, fake, clock, days=2, step_minutes=30)
    scheduled = [at.astimezone(BERLIN) for at, ch, m in sent if ch == "UALICE" and m in of_kind(gl, [m], "nudge")]
    assert scheduled and scheduled[0].date() == datetime(2026, 12, 10).date()  # Thursday, not a second on Wednesday


def last_calls(gl, user) -> list[tuple[str, datetime]]:
    """(deadline, when sent) of every last call delivered to this person: its outbox key names the deadline."""
    with gl.transaction() as s:
        rows = s.execute(
            select(OutboxMessage.key, OutboxMessage.sent_at).where(
                OutboxMessage.recipient == user, OutboxMessage.status == "sent", OutboxMessage.key.like("lastcall:%")
            )
        ).all()
    return sorted((key.split(":")[2], at.astimezone(BERLIN)) for key, at in rows)


def test_an_extension_inside_the_last_call_window_gives_the_new_deadline_one_last_call(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-11")
    run_for(gl, fake, clock, days=4)  # Friday 11 December 09:00, the deadline day: her last call came on Thursday
    assert [d for d, _ in last_calls(gl, "UALICE")] == ["2026-12-11"]
    slack.command("extend GL-1 by 2026-12-14", user="UOWNER")  # its last call would have been due this morning
    run_for(gl, fake, clock, days=4)  # past the new deadline: escalated again
    assert [d for d, _ in last_calls(gl, "UALICE")] == ["2026-12-11", "2026-12-14"]  # one per deadline
    [(_, when)] = [c for c in last_calls(gl, "UALICE") if c[0] == "2026-12-14"]
    assert when == datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN)  # the extension itself is her last call
    assert not of_kind(gl, slack.dms("UALICE"), "extended")  # not a second message an hour later


def test_a_snooze_from_before_an_extension_never_swallows_the_new_last_call(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-11")
    run_for(gl, fake, clock, days=3.1)  # Thursday 10 December: her last call has come
    slack.command("snooze GL-1 until 2026-12-21", user="UALICE")  # the last call is behind her: not capped
    slack.command("extend GL-1 by 2026-12-16", user="UOWNER")  # its last call: Tuesday 15 December
    run_for(gl, fake, clock, days=7)
    assert last_calls(gl, "UALICE") == [
        ("2026-12-11", datetime(2026, 12, 10, 9, 0, tzinfo=BERLIN)),
        ("2026-12-16", datetime(2026, 12, 15, 9, 0, tzinfo=BERLIN)),
    ]
    assert of_kind(gl, slack.dms("UALICE"), "extended")  # the extension came as news, the last call on its day
