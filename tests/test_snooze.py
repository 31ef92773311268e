"""Snooze that means something (SPEC §4): `/greenlight snooze GL-12 [N days | until YYYY-MM-DD]`, in the approver's
own calendar, never past their last call; the waiting clock keeps running and `show` says until when."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval
from tests.facts import days, references
from tests.slack_driver import text_of

NEW = "new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23"


def snoozed_until(gl):
    with gl.transaction() as s:
        return s.scalar(select(Approval.snoozed_until)).astimezone(zone("Europe/Berlin"))


def test_snooze_for_days_or_until_a_date_and_show_tells_until_when(slack, gl, clock):
    slack.command(NEW)  # Monday 7 December
    reply = slack.command("snooze GL-1 3 days", user="UALICE")["text"]
    assert references(reply) == ["GL-1"] and "Thu 10 Dec 2026" in days(reply)
    assert snoozed_until(gl).isoformat().startswith("2026-12-10T09:00")
    shown = text_of(slack.command("show GL-1", user="UALICE"))
    assert "snoozed until" in shown and "Thu 10 Dec 2026 09:00" in shown
    assert "pending for" in shown  # the waiting clock keeps running

    slack.command("snooze GL-1 until 2026-12-14", user="UALICE")
    assert snoozed_until(gl).isoformat().startswith("2026-12-14T09:00")
    assert "not in the future" in slack.command("snooze GL-1 until 2026-12-07", user="UALICE")["text"]
    assert "Usage" in slack.command("snooze GL-1 forever", user="UALICE")["text"]
    assert "Only the approvers" in slack.command("snooze GL-1", user="UOTHER")["text"]


def test_snooze_never_passes_the_last_call(slack, gl, clock):
    slack.command(NEW)  # the deadline is Wednesday 23 December: the last call on Tuesday 22 at 09:00
    reply = slack.command("snooze GL-1 until 2027-01-04", user="UALICE")["text"]
    assert "last call" in reply and "Tue 22 Dec 2026 at 09:00" in reply
    assert snoozed_until(gl).isoformat().startswith("2026-12-22T09:00")
    with gl.transaction() as s:
        nxt = s.scalar(select(Approval.next_nudge_at)).astimezone(zone("Europe/Berlin"))
    assert nxt.isoformat().startswith("2026-12-22T09:00")  # the last call still comes
    assert clock.now() < datetime(2026, 12, 22, tzinfo=UTC)
