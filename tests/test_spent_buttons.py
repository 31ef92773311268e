"""Spent buttons disappear (SPEC §4): once an approver answered or the initiative no longer asks them, every
earlier Greenlight message to them about it (request, reminders, last call, extension, the sponsor's questions)
is updated to a short record without buttons; one still held for their working hours is never sent."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.facts import live_buttons, of_kind
from tests.slack_driver import buttons, text_of
from tests.story import run_for

NEW = "new Vendor switch approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2026-12-18"


def test_every_earlier_message_loses_its_buttons_when_they_are_spent(slack, gl, fake, clock):
    slack.command(NEW)
    run_for(gl, fake, clock, days=4)  # a reminder each on Wednesday and Friday
    assert len(of_kind(gl, slack.dms("UALICE"), "nudge")) >= 1
    slack.command("approve GL-1", user="UALICE")
    run_for(gl, fake, clock, days=0.1)
    assert [r for r in live_buttons(gl) if r[0] == "UALICE"] == []  # request and reminders: a record, no buttons
    updates = [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUALICE"]
    assert updates and all(buttons(u) == [] and "approved" in text_of(u) for u in updates)

    run_for(gl, fake, clock, days=13)  # escalated at the end of Fri 18 Dec; the sponsor asked Mon 21, again Wed 23
    assert of_kind(gl, slack.dms("USPONSOR"), "sponsor-ask")
    slack.command("extend GL-1 by 2027-01-08", user="USPONSOR")
    assert [r for r in live_buttons(gl) if r[0] == "USPONSOR"] == []  # the question and every re-ask
    run_for(gl, fake, clock, days=5)
    assert of_kind(gl, slack.dms("UOTHER"), "extended")
    slack.command("withdraw GL-1 merged", user="UOWNER")
    run_for(gl, fake, clock, days=0.1)
    assert live_buttons(gl) == []


def test_a_message_held_for_working_hours_is_not_sent_once_its_buttons_are_spent(slack, gl, fake, clock):
    slack.command("new Plan approvers <@UALICE|a> <@UBOB|b> sponsor <@USPONSOR|s> in 5 days")  # Bob is asleep
    slack.command("withdraw GL-1 merged", user="UOWNER")
    run_for(gl, fake, clock, days=1)
    assert not of_kind(gl, slack.dms("UBOB"), "request")  # never sent; he is told it needs no answer
    assert of_kind(gl, slack.dms("UBOB"), "no-answer-needed")
    with gl.transaction() as s:
        assert s.scalar(select(OutboxMessage.status).where(OutboxMessage.key == "request:2")) == "skipped"
    assert live_buttons(gl) == []
