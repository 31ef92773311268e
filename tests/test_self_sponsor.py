"""No self-approval: an owner is not their own sponsor unless the workspace allows it, and then not alone."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Initiative
from tests.story import counts, escalate, status

SELF = "new Offsite approvers <@UALICE|a> <@UBOB|b> sponsor <@UOWNER|o> by 2026-12-11"


def test_the_owner_cannot_be_the_sponsor_by_default(slack, gl):
    reply = slack.command(SELF)
    assert "You own this initiative, so you cannot also sponsor it" in reply["text"]
    assert "`/greenlight settings self-sponsor on`" in reply["text"]
    with gl.transaction() as s:
        assert s.scalar(select(func.count(Initiative.id))) == 0


def test_with_self_sponsor_on_the_owner_sponsors_but_cannot_proceed_before_an_answer(slack, gl, fake, clock):
    reply = slack.command("settings self-sponsor on", user="UADMIN")
    assert reply["text"].startswith("`self-sponsor` is now *on* (was off).")
    assert slack.command("settings self-sponsor on", user="UALICE")["text"].startswith("Only workspace admins")
    escalate(slack, gl, fake, clock, SELF)
    before = counts(gl)
    reply = slack.command("proceed GL-1", user="UOWNER")
    assert "only once at least one approver has answered" in reply["text"]
    assert status(gl) == "escalated" and counts(gl) == before

    slack.command("approve GL-1", user="UALICE")
    assert slack.command("proceed GL-1 going ahead", user="UOWNER")["text"].startswith("GL-1 is proceeding.")
    assert status(gl) == "proceeding"


def test_a_distinct_sponsor_may_proceed_with_no_answer_at_all(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    assert slack.command("proceed GL-1", user="USPONSOR")["text"].startswith("GL-1 is proceeding.")
