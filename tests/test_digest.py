"""`digest on` (SPEC §3): a person gets at most one Greenlight DM per working day. The first of a day goes as it comes;
what follows waits for their next working day, where everything due that day comes as one DM with each message's
own buttons. Answers to what they do themselves (ephemeral replies, the message they clicked) still come at once."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import OutboxMessage, Person
from tests.facts import bold, live_buttons, references
from tests.slack_driver import buttons, text_of
from tests.story import homes, open_home, run_for

BERLIN = zone("Europe/Berlin")


def new(slack, title: str, approvers: str = "<@UALICE|a>") -> None:
    reply = slack.command(f"new {title} approvers {approvers} sponsor <@USPONSOR|s> by 2026-12-23")
    assert reply["text"].startswith("Registered"), reply


def dm_days(sent, user) -> Counter:
    """How many DMs reached this person on each of their local days."""
    return Counter(at.astimezone(BERLIN).date() for at, channel, _ in sent if channel == user)


def digest_of(gl, user) -> bool:
    with gl.transaction() as s:
        return s.get(Person, ("T1", user)).digest


def test_me_digest_shows_sets_refuses_and_the_home_form_has_it(slack, gl, fake):
    assert "`digest`: off (the default)" in slack.command("me", user="UALICE")["text"]
    reply = slack.command("me digest on", user="UALICE")["text"]
    assert "on" in bold(reply) and "at most one Greenlight DM a working day" in reply and digest_of(gl, "UALICE")
    assert "`digest`: *on*" in slack.command("me", user="UALICE")["text"]
    refused = slack.command("me digest daily", user="UALICE")["text"]
    assert "neither `on` nor `off`" in refused and "/greenlight me digest on" in refused
    assert "off (the default)" in slack.command("me digest workspace", user="UALICE")["text"]
    assert not digest_of(gl, "UALICE")

    open_home(slack, "UALICE")
    slack.click("my_calendar", "me", "UALICE")  # the same form as on the Home (tests/test_home_forms.py)
    form = fake.calls("views.open")[-1].args["view"]
    [choice] = [b for b in form["blocks"] if b.get("block_id") == "digest"]
    assert choice["element"]["initial_option"]["value"] == "off"
    on = {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": "on"}}
    slack.submit(form, {"working-hours": "", "working-days": "", "holidays": "", "digest": on}, "UALICE")
    assert digest_of(gl, "UALICE") and "digest" in text_of(homes(fake, "UALICE")[-1])


def test_with_digest_on_a_person_gets_at_most_one_dm_a_working_day(slack, gl, fake, clock):
    slack.command("me digest on", user="UALICE")
    new(slack, "Vendor switch", "<@UALICE|a> <@UOTHER|o>")  # Monday 10:00: the first DM of her day goes at once
    assert len(slack.dms("UALICE")) == 1 and len(slack.dms("UOTHER")) == 1
    clock.advance(hours=1)
    new(slack, "Hiring plan", "<@UALICE|a> <@UOTHER|o>")  # 11:00: she already had one today
    clock.advance(hours=1)
    new(slack, "Office move")  # 12:00
    assert len(slack.dms("UALICE")) == 1 and len(slack.dms("UOTHER")) == 2  # Other has no digest: as they come

    sent = run_for(gl, fake, clock, days=10, step_minutes=30)
    alice = dm_days(sent, "UALICE")
    assert alice and max(alice.values()) == 1, alice  # one a day, never two
    theirs = [(at.astimezone(BERLIN), m) for at, ch, m in sent if ch == "UALICE"]
    at, tuesday = theirs[0]  # the two sign-off requests of Monday afternoon, on Tuesday at the start of her day
    assert at == datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN)
    assert references(tuesday["text"]) == ["GL-2", "GL-3"]  # the notification names what is in it
    actions = [b for b in tuesday["blocks"] if b["type"] == "actions"]
    assert [{e["value"] for e in a["elements"] if e["type"] == "button"} for a in actions] == [{"2"}, {"3"}]
    assert ("Approve", "approve") in buttons(tuesday)
    # Her first reminders (GL-1 on Wednesday 10:00, GL-2 and GL-3 later that day) come as that day's one DM.
    [wednesday] = [m for at, m in theirs if at.date() == datetime(2026, 12, 9).date()]
    assert set(references(text_of(wednesday))) == {"GL-1", "GL-2", "GL-3"}


def test_answers_to_what_she_does_come_at_once_and_spent_buttons_leave_her_next_dm(slack, gl, fake, clock):
    slack.command("me digest on", user="UALICE")
    new(slack, "Vendor switch")  # Monday 10:00, sent at once
    clock.advance(hours=1)
    new(slack, "Hiring plan")  # held for Tuesday
    clock.advance(hours=1)
    new(slack, "Office move")  # held for Tuesday, with GL-2's request
    reply = slack.command("approve GL-2", user="UALICE")  # she answers before it reaches her: at once, ephemeral
    assert references(reply["text"]) == ["GL-2"] and len(slack.dms("UALICE")) == 1
    [request] = slack.dms("UALICE")
    answered = slack.click("approve", "1", "UALICE", message={"ts": "1.0", **request})  # the message she clicked
    assert answered is None or references(answered["text"]) == ["GL-1"]
    clicked = [c.args for c in fake.calls("response_url") if c.args.get("replace_original")]
    assert clicked and buttons(clicked[-1]) == []  # the clicked message shows what happened, at once

    sent = run_for(gl, fake, clock, days=1)
    [(at, _, tuesday)] = [s for s in sent if s[1] == "UALICE"]
    assert at.astimezone(BERLIN) == datetime(2026, 12, 8, 9, 0, tzinfo=BERLIN)
    assert set(references(text_of(tuesday))) == {"GL-3"} and {"3"} == {  # GL-2's request was withdrawn: answered
        e["value"] for b in tuesday["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"
    }
    with gl.transaction() as s:
        statuses = dict(s.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert statuses["request:2"] == "skipped" and statuses["request:3"] == "combined"

    slack.command("approve GL-3", user="UALICE")  # a button of the digest she got is spent: that DM loses its buttons
    run_for(gl, fake, clock, days=0.1)
    assert [r for r in live_buttons(gl) if r[0] == "UALICE"] == []


def test_a_text_that_names_when_a_digest_sponsor_is_asked_gives_the_real_day(slack, gl, fake, clock):
    slack.command("me digest on", user="UBOB")  # the sponsor works in Los Angeles
    reply = slack.command("new Vendor switch approvers <@UALICE|a> sponsor <@UBOB|b> by 2026-12-11")
    assert references(reply["text"]) == ["GL-1"]
    clock.set(datetime(2026, 12, 11, 19, 0, tzinfo=BERLIN))  # Friday 10:00 in Los Angeles
    slack.command("new Hiring plan approvers <@UALICE|a> sponsor <@UBOB|b> by 2026-12-23")  # told: his DM of Friday
    run_for(gl, fake, clock, days=3)  # GL-1 escalates at midnight in Berlin: Friday 15:00 in Los Angeles
    [owner_told] = [m for m in slack.dms("UOWNER") if "deadline passed" in m["text"]]
    assert "Mon 14 Dec 2026 at 09:00" in text_of(owner_told)  # not Friday: he had his one DM that day
    with gl.transaction() as s:
        sent_at = s.scalar(
            select(OutboxMessage.sent_at).where(
                OutboxMessage.key.like("%escalation:1:0"), OutboxMessage.status == "sent"
            )
        )
    la = zone("America/Los_Angeles")
    assert sent_at.astimezone(la) == datetime(2026, 12, 14, 9, 0, tzinfo=la)  # and that is when he is asked
