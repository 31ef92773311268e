"""Approvers in stages: only the current stage is asked, each stage completes by its rule (all, any or N),
the next stage's waiting clock starts when it is asked, and a rejection in any stage rejects."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval, Event, Initiative
from tests.facts import bold, days, lines_about, mentions, of_kind, parts, references, sections, without_history
from tests.forms import answers, open_form
from tests.slack_driver import buttons, text_of
from tests.story import counts, homes, open_home, run_for, status

BERLIN, TOKYO, LA = zone("Europe/Berlin"), zone("Asia/Tokyo"), zone("America/Los_Angeles")
THREE_STAGES = (
    "new Training plan approvers <@UALICE|a> <@UBOB|b> <@UOTHER|o> rule 2 then <@UCAROL|c> then <@UDIANA|d> "
    "sponsor <@USPONSOR|s> by 2026-12-18"
)


def requests_to(gl, slack, person):
    return of_kind(gl, slack.dms(person), "request")


def local(at, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %H:%M")


def requested_at(gl, person):
    with gl.transaction() as s:
        return s.scalar(select(Approval.requested_at).where(Approval.approver_id == person))


def test_three_stages_with_a_quorum_each_asked_when_the_one_before_is_complete(slack, gl, fake, clock):
    fake.add_user("UDIANA", name="diana", tz="Europe/Berlin")
    reply = slack.command(THREE_STAGES)["text"]
    assert references(reply) == ["GL-1"]
    assert mentions(reply)[:3] == ["UALICE", "UBOB", "UOTHER"] and {"UCAROL", "UDIANA"} <= set(mentions(reply))
    [announcement] = slack.posts("CGENERAL")
    assert "2 of 3 must approve" in text_of(announcement) and "3 stages" in text_of(announcement)
    assert mentions(text_of(announcement)).index("UCAROL") < mentions(text_of(announcement)).index("UDIANA")

    # Only the first stage is asked (Bob in Los Angeles at the start of his day, 18:00 Berlin).
    sent = run_for(gl, fake, clock, days=0.5)
    assert [len(requests_to(gl, slack, p)) for p in ("UALICE", "UBOB", "UOTHER", "UCAROL", "UDIANA")] == [
        1,
        1,
        1,
        0,
        0,
    ]
    [(at, _, bobs)] = [(at, ch, m) for at, ch, m in sent if ch == "UBOB"]
    assert local(at, LA) == "Mon 07 09:00" and buttons(bobs)[0] == ("Approve", "approve")
    assert requested_at(gl, "UCAROL") is None  # her clock has not started

    # Carol cannot answer before her stage is asked: told so, nothing written.
    before = counts(gl)
    refusal = slack.command("approve GL-1", user="UCAROL")["text"]
    assert "stage 2 of 3" in refusal and counts(gl) == before

    # Tuesday: Alice and Other approve; two of three is stage 1's rule, so it is complete.
    clock.advance(hours=2)  # Tuesday 8 December, 00:00 Berlin
    clock.advance(hours=9)
    assert "1 of 2 needed, stage 1 of 3" in slack.command("approve GL-1", user="UALICE")["text"]
    reply = slack.command("approve GL-1 ok", user="UOTHER")["text"]
    assert "stage 1 of 3" in reply and mentions(reply) == ["UCAROL"]
    stage_two_asked = clock.now()
    assert requested_at(gl, "UCAROL") == stage_two_asked
    [owner_told] = of_kind(gl, slack.dms("UOWNER"), "stage-asked")
    assert mentions(text_of(owner_told)) == ["UCAROL"] and "stage 2 of 3" in text_of(owner_told)

    # Bob need not answer any more (told in his working hours); Carol is asked in hers (Tokyo).
    sent = run_for(gl, fake, clock, days=1)
    [(at, _, bob_told)] = [(at, ch, m) for at, ch, m in sent if ch == "UBOB"]
    assert local(at, LA) == "Tue 08 09:00" and "stage 1 of 3" in text_of(bob_told) and not buttons(bob_told)
    [(at, _, carols)] = [(at, ch, m) for at, ch, m in sent if ch == "UCAROL"]
    assert local(at, TOKYO) == "Wed 09 09:00" and "stage 2 of 3" in text_of(carols)
    assert buttons(carols)[0] == ("Approve", "approve")
    assert "UDIANA" not in [ch for _, ch, _ in sent]
    before = counts(gl)
    assert "no answer" in slack.command("approve GL-1", user="UBOB")["text"] and counts(gl) == before

    # The show, the list and the App Home say which stage waits.
    story = without_history(text_of(slack.command("show GL-1")))
    assert "Stage 2 of 3" in story and "waiting" in bold(story)
    assert any("not asked yet" in line for line in lines_about(story, "UDIANA"))
    assert any("no answer needed" in line for line in lines_about(story, "UBOB"))
    [row] = [line for line in text_of(slack.command("list")).split("\n") if "GL-1" in line]
    assert "stage 2 of 3" in row and mentions(row) == ["UCAROL"]
    open_home(slack, "UOWNER")
    [owned] = [part for part in parts(homes(fake, "UOWNER")[-1]) if "GL-1" in part]
    assert "stage 2 of 3" in owned and "UCAROL" in mentions(owned)

    # Carol's reminders count from when she was asked: her first after 2 of her business days (Friday, Tokyo).
    sent = run_for(gl, fake, clock, days=2)  # to Friday 11 December, 11:00 Berlin
    [(at, _, nudge)] = [(at, ch, m) for at, ch, m in sent if ch == "UCAROL"]
    assert local(at, TOKYO) == "Fri 11 09:00" and of_kind(gl, [nudge], "nudge")
    slack.command("approve GL-1", user="UCAROL")
    [diana] = requests_to(gl, slack, "UDIANA")  # at once: Diana is at work
    assert "stage 3 of 3" in text_of(diana)
    assert status(gl) == "open"
    slack.command("approve GL-1", user="UDIANA")
    assert status(gl) == "approved"
    with gl.transaction() as s:
        kinds = [e.kind for e in s.scalars(select(Event).order_by(Event.id))]
    assert kinds.count("stage_asked") == 2 and kinds[-1] == "status_approved"
    [approved] = of_kind(gl, slack.dms("USPONSOR"), "approved")
    assert "GL-1" in references(text_of(approved)) and mentions(text_of(approved)) == ["UDIANA"]


def test_a_rejection_in_a_later_stage_rejects_and_the_stage_after_is_never_asked(slack, gl, fake, clock):
    fake.add_user("UDIANA", name="diana", tz="Europe/Berlin")
    slack.command("new Plan approvers <@UALICE|a> then <@UOTHER|o> then <@UDIANA|d> sponsor <@USPONSOR|s>")
    slack.command("approve GL-1", user="UALICE")
    slack.command("reject GL-1 not this year", user="UOTHER")
    assert status(gl) == "rejected"
    run_for(gl, fake, clock, days=3)
    assert slack.dms("UDIANA") == []
    refusal = slack.command("approve GL-1", user="UDIANA")["text"]
    assert "rejected" in refusal


def test_the_escalation_names_the_stalled_stage(slack, gl, fake, clock):
    fake.add_user("UDIANA", name="diana", tz="Europe/Berlin")
    slack.command(
        "new Plan approvers <@UALICE|a> rule any then <@UOTHER|o> <@UCAROL|c> then <@UDIANA|d> "
        "sponsor <@USPONSOR|s> by 2026-12-11"
    )
    slack.command("approve GL-1", user="UALICE")
    run_for(gl, fake, clock, days=7)  # to Monday 14 December: escalated at the end of Friday
    assert status(gl) == "escalated"
    [question] = [m for m in slack.dms("USPONSOR") if buttons(m)]
    text = text_of(question)
    assert "Stage 2 of 3" in bold(text) and "stalled" in text
    stalled = [line for line in text.split("\n") if "stalled" in line][0]
    assert "Stage 3 of 3" in stalled and "UDIANA" in mentions(stalled)  # not asked yet
    assert "3 of 4 sign-offs missing" in question["text"]  # stage 2 asked, stage 3 not yet
    assert {"UOTHER", "UCAROL"} <= set(mentions(text))


def test_bad_stages_and_rules_are_refused_and_nothing_is_written(slack, gl):
    before = counts(gl)
    for text, says in [
        ("new Plan approvers <@UALICE|a> then sponsor <@USPONSOR|s>", "after `then`"),
        ("new Plan approvers <@UALICE|a> <@UBOB|b> <@UOTHER|o> sponsor <@USPONSOR|s> rule 4", "only 3 approvers"),
        ("new Plan approvers <@UALICE|a> then <@UBOB|b> sponsor <@USPONSOR|s> rule 2", "stage 1 has only 1"),
        ("new Plan approvers <@UALICE|a> then <@UALICE|a> sponsor <@USPONSOR|s>", "only once"),
    ]:
        reply = slack.command(text)
        assert says in reply["text"], reply
        assert reply.get("response_type", "ephemeral") == "ephemeral"
    assert counts(gl) == before
    with gl.transaction() as s:
        assert s.scalar(select(Initiative)) is None


def test_the_form_asks_in_up_to_three_stages(slack, gl, fake):
    view = open_form(slack, fake)
    response = slack.submit(view, answers(approvers=("UALICE",), stages=((), ("UOTHER", "UBOB"))), user="UOWNER")
    assert json.loads(response.body)["response_action"] == "update"
    with gl.transaction() as s:
        stages = [(a.approver_id, a.stage, a.decision) for a in s.scalar(select(Initiative)).approvals]
    assert stages == [("UALICE", 0, "pending"), ("UOTHER", 1, "queued"), ("UBOB", 1, "queued")]
    assert len(slack.dms("UALICE")) == 1 and slack.dms("UOTHER") == []
    [announcement] = slack.posts("CGENERAL")
    assert "2 stages" in sections(announcement)[0]
    assert days(text_of(announcement))
