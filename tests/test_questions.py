"""A question moves the wait to the owner (SPEC §4): while an approver's question is open, they get no reminders,
the owner is reminded instead, the ranking counts those days against the owner, and `show` says who waits on whom;
an answer (a reply in the thread, Answered, or `/greenlight answer`) gives the wait back."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Event, OutboxMessage
from tests.facts import mentions, of_kind
from tests.slack_driver import buttons, text_of
from tests.story import counts, reply_in_thread, run_for

BERLIN = zone("Europe/Berlin")
ROLLOUT = "new Rollout approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2027-01-08"


def reminders_to(gl, sent, user, *kinds):
    wanted = of_kind(gl, [m for _, channel, m in sent if channel == user], *kinds)
    return [at.astimezone(BERLIN) for at, channel, m in sent if channel == user and any(m is w for w in wanted)]


def blockers(slack) -> list[tuple[str, str]]:
    text = text_of(slack.command("summary"))
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\d+\. <@(\w+)>: (.+?) of waiting on", text, re.M)]


def test_a_question_on_day_two_moves_the_wait_to_the_owner_until_the_answer_on_day_five(slack, gl, fake, clock):
    slack.command(ROLLOUT)  # Monday 7 December, 10:00
    clock.advance(days=1)  # day 2: Alice asks
    reply = slack.command("ask GL-1 Which budget line is this?", user="UALICE")["text"]
    assert "no reminders" in reply
    shown = text_of(slack.command("show GL-1"))
    assert [line for line in shown.split("\n") if "<@UALICE> pending" in line and "waiting on the owner" in line]

    sent = run_for(gl, fake, clock, days=3)  # to Friday 11 December, 10:00: day 5
    assert not reminders_to(gl, sent, "UALICE", "nudge", "lastcall")  # her reminder of Wednesday does not come
    assert [d.date() for d in reminders_to(gl, sent, "UOTHER", "nudge")] == [date(2026, 12, 9), date(2026, 12, 11)]
    owner = reminders_to(gl, sent, "UOWNER", "owner-reminder")
    assert [(d.date(), d.hour) for d in owner] == [(date(2026, 12, 10), 10)]  # two business days after the question
    [reminder] = of_kind(gl, slack.dms("UOWNER"), "owner-reminder")
    assert "UALICE" in mentions(text_of(reminder)) and ("Answered", "answered") in buttons(reminder)

    # Alice held the wait one day (Monday to Tuesday), the owner three (Tuesday to Friday), Other four.
    assert blockers(slack) == [
        ("UOTHER", "4 business days"),
        ("UOWNER", "3 business days"),
        ("UALICE", "1 business day"),
    ]

    with gl.transaction() as s:
        question = s.scalar(select(OutboxMessage).where(OutboxMessage.key.like("question:%")))
    reply_in_thread(slack, "UALICE", question.channel, question.ts, "Any news?")  # not the owner: no answer
    with gl.transaction() as s:
        assert s.scalar(select(Event).where(Event.kind == "answered")) is None
    reply_in_thread(slack, "UOWNER", question.channel, question.ts, "Line 4, training.")  # day 5: the answer
    with gl.transaction() as s:
        answered = s.scalar(select(Event).where(Event.kind == "answered"))
        assert (answered.actor_id, answered.data["approvers"]) == ("UOWNER", ["UALICE"])
    assert "waiting on the owner" not in text_of(slack.command("show GL-1"))

    sent = run_for(gl, fake, clock, days=5)  # to Wednesday 16 December
    alice = reminders_to(gl, sent, "UALICE", "nudge", "reminders")
    assert alice and alice[0].date() == date(2026, 12, 15)  # her reminders resume on their cadence
    assert not reminders_to(gl, sent, "UOWNER", "owner-reminder")
    ranking = dict(blockers(slack))
    assert ranking["UOWNER"] == "3 business days"  # the days stay counted against the owner


def test_answer_command_and_answered_button_and_bad_input(slack, gl, fake, clock):
    slack.command(ROLLOUT)
    assert "Please give your question" in slack.command("ask GL-1", user="UALICE")["text"]
    before = counts(gl)
    assert "No question" in slack.command("answer GL-1 nothing asked", user="UOWNER")["text"]
    assert "Only the owner" in slack.command("answer GL-1 me", user="UOTHER")["text"]
    assert counts(gl) == before

    slack.command("ask GL-1 Which budget?", user="UALICE")
    slack.command("ask GL-1 And which team?", user="UOTHER")
    reply = slack.command("answer GL-1 Line 4; the sales team", user="UOWNER")["text"]
    assert set(mentions(reply)) == {"UALICE", "UOTHER"}
    answers = [m for m in fake.calls("chat.postMessage") if m.args.get("thread_ts") and "Line 4" in text_of(m.args)]
    assert len(answers) == 2  # in the thread of each question

    slack.command("ask GL-1 One more thing?", user="UALICE")
    [question] = of_kind(gl, slack.dms("UALICE"), "question")[-1:]
    assert ("Answered", "answered") in buttons(question)
    assert "Only the owner" in slack.click("answered", "1", "UALICE")["text"]
    slack.click("answered", "1", "UOWNER")
    with gl.transaction() as s:
        assert len(s.scalars(select(Event).where(Event.kind == "answered")).all()) == 2
    assert "answered the open question" in text_of(slack.command("show GL-1"))
