"""Resubmission after a rejection: a new round with what changed and a new deadline; earlier approvals stand
unless the owner starts fresh; whoever rejected or had not answered is asked again, in their working hours."""

from __future__ import annotations

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval, Initiative
from tests.facts import days, history, lines_about, mentions, of_kind, references, without_history
from tests.slack_driver import buttons, text_of
from tests.story import counts, run_for, status

TOKYO, LA = zone("Asia/Tokyo"), zone("America/Los_Angeles")
NEW = "new Training plan approvers <@UALICE|a> <@UBOB|b> <@UCAROL|c> sponsor <@USPONSOR|s>"


def local(at, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %H:%M")


def rejected_by_carol(slack, gl, clock):
    """GL-1: Alice approves on Monday, Carol rejects on Tuesday, Bob has not answered."""
    slack.command(NEW)
    slack.command("approve GL-1 fine", user="UALICE")
    clock.advance(days=1)  # Tuesday 8 December, 10:00 Berlin
    slack.command("reject GL-1 too expensive", user="UCAROL")
    assert status(gl) == "rejected"


def decisions(gl) -> dict[str, str]:
    with gl.transaction() as s:
        return {a: str(d) for a, d in s.execute(select(Approval.approver_id, Approval.decision))}


def test_resubmitted_with_earlier_approvals_kept(slack, gl, fake, clock):
    rejected_by_carol(slack, gl, clock)
    [told] = of_kind(gl, slack.dms("UOWNER"), "rejected")
    assert buttons(told) == [("Resubmit", "resubmit")]
    run_for(gl, fake, clock, days=0.25)  # Tuesday 16:00 Berlin
    seen = {p: len(slack.dms(p)) for p in ("UALICE", "UBOB", "UCAROL", "USPONSOR")}

    reply = slack.command("resubmit GL-1 Budget halved, one trainer instead of two in 5 days", user="UOWNER")["text"]
    assert references(reply) == ["GL-1"] and "round 2" in reply and days(reply) == ["Tue 15 Dec 2026"]
    assert set(mentions(reply)) == {"UBOB", "UCAROL", "UALICE"} and "stand" in reply
    assert status(gl) == "open"
    assert decisions(gl) == {"UALICE": "approved", "UBOB": "pending", "UCAROL": "pending"}

    # Bob and Carol are asked again with what changed, each at the start of their working day; Alice is not.
    sent = run_for(gl, fake, clock, days=1)
    asked = {ch: (at, m) for at, ch, m in sent if buttons(m)}
    assert set(asked) == {"UBOB", "UCAROL"}
    assert local(asked["UBOB"][0], LA) == "Tue 08 09:00" and local(asked["UCAROL"][0], TOKYO) == "Wed 09 09:00"
    for _, request in asked.values():
        assert "Budget halved, one trainer instead of two" in text_of(request) and "round 2" in text_of(request)
    assert len(slack.dms("UALICE")) == seen["UALICE"]
    [sponsor_told] = slack.dms("USPONSOR")[seen["USPONSOR"] :]
    assert "Budget halved" in text_of(sponsor_told) and "UALICE" in mentions(text_of(sponsor_told))
    assert any("Budget halved" in text_of(m) for m in of_kind(gl, slack.posts("CGENERAL"), "resubmitted"))

    slack.command("approve GL-1", user="UCAROL")
    slack.command("approve GL-1", user="UBOB")
    assert status(gl) == "approved"
    story = text_of(slack.command("show GL-1"))
    assert "Round 2" in without_history(story)
    rounds = [who for _, who in history(story) if who[:1] == ["UOWNER"] and len(who) == 1]
    assert rounds  # the owner registered it and resubmitted it
    assert any("resubmitted it: round 2" in line for line in story.split("\n"))
    assert any("approved" in line for line in lines_about(without_history(story), "UALICE"))


def test_resubmitted_fresh_from_the_rejection_dm_asks_everyone_again(slack, gl, fake, clock):
    rejected_by_carol(slack, gl, clock)
    slack.click("resubmit", "1", "UOWNER")
    [opened] = [c.args["view"] for c in fake.calls("views.open")]
    assert opened["callback_id"] == "resubmit"
    response = slack.submit(
        opened,
        {
            "changed": "Merged with the Paris plan",
            "deadline": {"type": "datepicker", "selected_date": "2027-01-15"},
            "fresh": {"type": "checkboxes", "selected_options": [{"value": "fresh"}]},
        },
        user="UOWNER",
    )
    assert response.status == 200
    assert decisions(gl) == {"UALICE": "pending", "UBOB": "pending", "UCAROL": "pending"}
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert (ini.round, ini.deadline.isoformat()) == (2, "2027-01-15")
    # Alice, at work in Berlin, is asked again at once; Bob and Carol at the start of their working days.
    [alice] = [m for m in slack.dms("UALICE") if "Merged with the Paris plan" in text_of(m)]
    assert buttons(alice)[0] == ("Approve", "approve")
    sent = run_for(gl, fake, clock, days=1)
    asked = {ch: at for at, ch, m in sent if buttons(m) and "Merged with the Paris plan" in text_of(m)}
    assert set(asked) == {"UBOB", "UCAROL"}
    assert local(asked["UBOB"], LA) == "Tue 08 09:00" and local(asked["UCAROL"], TOKYO) == "Wed 09 09:00"


def test_bad_resubmissions_are_refused_and_nothing_is_written(slack, gl, clock):
    slack.command(NEW)
    before = counts(gl)
    assert "only a rejected" in slack.command("resubmit GL-1 better now", user="UOWNER")["text"]
    assert counts(gl) == before
    clock.advance(hours=1)
    slack.command("reject GL-1 no", user="UCAROL")
    before = counts(gl)
    assert "Only the owner" in slack.command("resubmit GL-1 better now", user="USPONSOR")["text"]
    assert "what changed" in slack.command("resubmit GL-1", user="UOWNER")["text"]
    assert "what changed" in slack.command("resubmit GL-1 fresh", user="UOWNER")["text"]
    assert "not in the future" in slack.command("resubmit GL-1 better by 2026-12-01", user="UOWNER")["text"]
    assert "no GL-9" in slack.command("resubmit GL-9 better", user="UOWNER")["text"]
    assert counts(gl) == before and status(gl) == "rejected"
