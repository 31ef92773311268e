"""Six weeks of one initiative as its users live it (the issue's "done when"): a sales manager in Berlin, approvers
in Paris, New York and Tokyo with their own public holidays, a VP in Berlin as sponsor. No proactive message
arrives outside its recipient's working hours or on their holidays, nobody gets two reminders on one day, the
sponsor is told at registration, and no spent button is left at the end. The sales manager and New York have
`digest on`: neither ever gets two DMs on one day (without it, each would, on some days)."""

from __future__ import annotations

from collections import Counter
from datetime import date, time

from sqlalchemy import select

from bot.calendar import WorkWeek, zone
from storage.models import OutboxMessage
from tests.facts import live_buttons, references
from tests.story import run_for, set_workspace

PEOPLE = {  # user: (time zone, their own holidays, as they set them with /greenlight me)
    "UPARIS": ("Europe/Paris", "FR"),
    "UNEWYORK": ("America/New_York", "US-NY"),
    "UTOKYO": ("Asia/Tokyo", "JP"),
    "UOWNER": ("Europe/Berlin", None),
    "USPONSOR": ("Europe/Berlin", None),
}
DIGEST = {"UOWNER", "UNEWYORK"}  # at most one Greenlight DM a working day
WORKSPACE = ("Europe/Berlin", "DE")
REMINDERS = ("nudge", "lastcall", "manual", "reminders")


def test_six_weeks_respect_everyones_day(slack, gl, fake, clock):
    set_workspace(gl, timezone=WORKSPACE[0], holidays=WORKSPACE[1])
    for user, (tz, holidays) in PEOPLE.items():
        fake.add_user(user, name=user[1:].lower(), tz=tz)
        if holidays:
            assert holidays in slack.command(f"me holidays {holidays}", user=user)["text"]
        if user in DIGEST:
            assert "at most one" in slack.command("me digest on", user=user)["text"]

    # Monday 7 December 2026, 10:00 in Berlin: the sales manager registers.
    reply = slack.command(
        "new Training plan approvers <@UPARIS|p> <@UNEWYORK|n> <@UTOKYO|t> sponsor <@USPONSOR|v> by 2026-12-30"
    )
    assert references(reply["text"]) == ["GL-1"]
    run_for(gl, fake, clock, days=9)
    slack.command("approve GL-1 Looks good", user="UPARIS")  # Wednesday 16 December
    run_for(gl, fake, clock, days=15)  # the deadline passes on Wednesday 30 December; the sponsor is asked
    assert "GL-1" in slack.command("extend GL-1 by 2027-01-15", user="USPONSOR")["text"]  # Thursday 31 December
    run_for(gl, fake, clock, days=18)  # the new deadline passes; the sponsor is asked on Monday 18 January
    assert "GL-1" in slack.command("proceed GL-1 The season starts", user="USPONSOR")["text"]
    run_for(gl, fake, clock, days=1)
    slack.command("report GL-1 First sessions booked", user="UOWNER")
    run_for(gl, fake, clock, days=2)

    with gl.transaction() as s:
        delivered = s.execute(
            select(OutboxMessage.key, OutboxMessage.recipient, OutboxMessage.sent_at).where(
                OutboxMessage.method == "chat.postMessage", OutboxMessage.status == "sent"
            )
        ).all()
    workspace_week = WorkWeek(holidays_country=WORKSPACE[1])
    reminders, dms = Counter(), Counter()
    for key, recipient, sent_at in delivered:
        tz, holidays = PEOPLE.get(recipient, WORKSPACE)  # a channel: the workspace's calendar
        week = WorkWeek(holidays_country=holidays or WORKSPACE[1]) if recipient in PEOPLE else workspace_week
        local = sent_at.astimezone(zone(tz))
        assert week.is_business_day(local.date()), (key, recipient, local)
        assert time(9) <= local.time() < time(17), (key, recipient, local)
        if key.split(":")[0] in REMINDERS:
            reminders[recipient, local.date()] += 1
        dms[recipient, local.date()] += 1
    assert reminders and max(reminders.values()) == 1, reminders  # nobody got two reminders on one day
    assert {r for r, _ in reminders} == {"UNEWYORK", "UTOKYO", "UPARIS"}
    assert max(n for (r, _), n in dms.items() if r in DIGEST) == 1  # digest on: one DM a working day at most
    with gl.transaction() as s:
        theirs = dict(
            s.execute(select(OutboxMessage.key, OutboxMessage.status).where(OutboxMessage.recipient.in_(DIGEST))).all()
        )
        combined = s.scalars(select(OutboxMessage.target_key).where(OutboxMessage.status == "combined")).all()
    assert "pending" not in theirs.values() and combined  # everything reached them: alone, or in a day's digest
    assert all(theirs[digest] == "sent" for digest in combined)
    # Holidays seen: no Tokyo DM on Coming of Age Day, none in New York on New Year's Day.
    assert not [
        k for k, r, at in delivered if r == "UTOKYO" and at.astimezone(zone("Asia/Tokyo")).date() == date(2027, 1, 11)
    ]

    keys = {key for key, _, _ in delivered}
    assert "sponsor:1" in keys  # the sponsor was told at registration
    assert {"escalation:1:0", "escalation:1:1", "proceed-owner:1", "report-note:1"} <= keys
    assert live_buttons(gl) == []  # every spent button is gone
