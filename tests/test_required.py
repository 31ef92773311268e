"""Required approvers: without their approval the sponsor cannot proceed; at the deadline the sponsor may
extend or withdraw, and is told plainly that proceeding waits for them."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval, Initiative
from tests.facts import bold, lines_about, mentions, of_kind, references, without_history
from tests.forms import answers, open_form
from tests.slack_driver import buttons, text_of
from tests.story import counts, homes, open_home, run_for, status

BERLIN, TOKYO = zone("Europe/Berlin"), zone("Asia/Tokyo")
COUNCIL = (
    "new Training plan approvers <@UALICE|a> <@UCAROL|council> rule any required <@UCAROL|council> "
    "sponsor <@USPONSOR|s> by 2026-12-11"
)


def test_a_required_approver_blocks_proceed_until_they_approve(slack, gl, fake, clock):
    reply = slack.command(COUNCIL)["text"]
    assert references(reply) == ["GL-1"]
    [announcement] = slack.posts("CGENERAL")
    [required_line] = [line for line in text_of(announcement).split("\n") if "required" in line]
    assert "UCAROL" in mentions(required_line.split("Without")[1])

    # Alice approves at once: under `any` that would be enough, but the council's approval is required.
    assert "recorded" in slack.command("approve GL-1", user="UALICE")["text"]
    assert status(gl) == "open"
    story = without_history(text_of(slack.command("show GL-1")))
    assert any("(required)" in line for line in lines_about(story, "UCAROL"))

    # The deadline passes (end of Friday 11 December): the sponsor is asked on Monday at 09:00 her time, with
    # Extend and Withdraw only, and told that proceeding waits for the council.
    sent = run_for(gl, fake, clock, days=7)
    [(at, _, question)] = [(at, ch, m) for at, ch, m in sent if ch == "USPONSOR" and buttons(m)]
    assert at.astimezone(BERLIN).strftime("%a %d %H:%M") == "Mon 14 09:00"
    assert buttons(question) == [("Extend", "extend"), ("Withdraw", "withdraw")]
    [waits] = [line for line in text_of(question).split("\n") if "Proceed and report" in line]
    assert "waits for" in waits and mentions(waits) == ["UCAROL"] and "required" in waits
    open_home(slack, "USPONSOR")
    home = homes(fake, "USPONSOR")[-1]
    assert "proceed" not in [
        b["action_id"] for blk in home["blocks"] if blk["type"] == "actions" for b in blk["elements"]
    ]

    # Proceeding anyway is refused, and nothing is written.
    before = counts(gl)
    refusal = slack.command("proceed GL-1 we cannot wait", user="USPONSOR")["text"]
    assert mentions(refusal) == ["UCAROL"] and "extend" in refusal and counts(gl) == before
    assert slack.click("proceed", "1", "USPONSOR") is not None and counts(gl) == before
    assert status(gl) == "escalated"

    # The sponsor extends; the council approves in Tokyo's working hours; it is approved.
    slack.command("extend GL-1 in 3 days", user="USPONSOR")
    assert status(gl) == "open"
    sent = run_for(gl, fake, clock, days=1)
    [(at, _, extended)] = [(at, ch, m) for at, ch, m in sent if ch == "UCAROL"]
    assert at.astimezone(TOKYO).strftime("%a %d %H:%M") == "Tue 15 09:00" and buttons(extended)
    slack.command("approve GL-1 the council agrees", user="UCAROL")
    assert status(gl) == "approved"
    [approved] = of_kind(gl, slack.dms("UOWNER"), "approved")
    assert "UCAROL" in mentions(text_of(approved)) and "approved" in bold(text_of(approved))


def test_a_required_approver_in_a_stage_completes_it_only_by_approving(slack, gl, fake):
    fake.add_user("UDIANA", name="diana", tz="Europe/Berlin")
    reply = slack.command(
        "new Plan approvers <@UALICE|a> <@UOTHER|o> rule any then <@UDIANA|d> required <@UOTHER|o> "
        "sponsor <@USPONSOR|s>"
    )
    assert references(reply["text"]) == ["GL-1"]
    slack.command("approve GL-1", user="UALICE")
    assert slack.dms("UDIANA") == []  # stage 1 is not complete without the required approval
    slack.command("approve GL-1", user="UOTHER")
    assert len(of_kind(gl, slack.dms("UDIANA"), "request")) == 1


def test_a_required_person_who_is_not_an_approver_is_refused_and_nothing_is_written(slack, gl, fake):
    before = counts(gl)
    reply = slack.command("new Plan approvers <@UALICE|a> required <@UCAROL|c> sponsor <@USPONSOR|s>")
    assert "cannot be required" in reply["text"] and mentions(reply["text"]) == ["UCAROL"]
    reply = slack.command("new Plan approvers <@UALICE|a> required sponsor <@USPONSOR|s>")
    assert "after `required`" in reply["text"]
    assert counts(gl) == before

    view = open_form(slack, fake)
    response = slack.submit(view, answers(approvers=("UALICE",), required=("UBOB",)), user="UOWNER")
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and list(body["errors"]) == ["required"]
    assert "@bob" in body["errors"]["required"]
    assert counts(gl) == before
    response = slack.submit(view, answers(approvers=("UALICE", "UBOB"), required=("UBOB",)), user="UOWNER")
    assert json.loads(response.body)["response_action"] == "update"
    with gl.transaction() as s:
        assert s.scalar(select(Initiative.number)) == 1
        assert dict(s.execute(select(Approval.approver_id, Approval.required)).all()) == {
            "UALICE": False,
            "UBOB": True,
        }
