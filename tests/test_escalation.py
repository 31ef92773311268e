"""The deadline passes: the sponsor decides, the owner reports, late answers still count."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.calendar import zone
from bot.jobs import sweep
from storage.models import Event, Initiative, OutboxMessage
from tests.slack_driver import buttons, text_of
from tests.test_nudges import run_for

NEW = "new Vendor switch approvers <@UALICE|a> <@UBOB|b> sponsor <@USPONSOR|s> by 2026-12-11"


def status(gl, number=1):
    with gl.transaction() as s:
        return s.scalar(select(Initiative.status).where(Initiative.number == number))


def counts(gl):
    """Rows a refused action must not add: events and outgoing messages."""
    with gl.transaction() as s:
        return s.scalar(select(func.count(Event.id))), s.scalar(select(func.count(OutboxMessage.id)))


def escalate(slack, gl, fake, clock, text=NEW):
    assert "Registered" in slack.command(text)["text"]
    run_for(gl, fake, clock, days=7)  # to Monday 14 December 10:00 in Berlin: the sponsor is at work
    assert status(gl) == "escalated"


def sponsor_dms(slack):
    return [m for m in slack.dms("USPONSOR") if buttons(m)]


def test_full_story_proceed_and_report(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock, NEW.replace("approvers <@UALICE|a> <@UBOB|b>", "approvers <@UALICE|a> <@UBOB|b> <@UCAROL|c>"))
    slack.command("approve GL-1 fine by me", user="UCAROL")  # too late for the deadline, still counts
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert ini.escalated_at.astimezone(zone("Europe/Berlin")).isoformat().startswith("2026-12-12T00:")

    [question] = sponsor_dms(slack)
    text = text_of(question)
    assert "The deadline has passed on *GL-1* Vendor switch (Fri 11 Dec 2026)" in text
    assert "<@UALICE>: no answer for *4 business days*" in text  # Mon 7 Dec 10:00 to the end of Fri 11 Dec
    assert "Already approved" not in text or "<@UCAROL>" not in text
    assert buttons(question) == [("Proceed and report", "proceed"), ("Extend", "extend"), ("Withdraw", "withdraw")]
    with gl.transaction() as s:  # delivered in the sponsor's working hours (Monday 09:00 Berlin), not at midnight
        sent_at = s.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.key.like("escalation:%")))
        assert sent_at.astimezone(zone("Europe/Berlin")).isoformat().startswith("2026-12-14T09:00")
    owner_told = [m for m in slack.dms("UOWNER") if "asked the sponsor" in text_of(m)]
    assert owner_told

    clock.advance(minutes=20)
    reply = slack.click("proceed", "1", "USPONSOR")
    assert reply["text"] == "GL-1 is proceeding. <@UOWNER> has been told to go ahead and to report by Mon 11 Jan 2027."
    assert status(gl) == "proceeding"
    [go] = [m for m in slack.dms("UOWNER") if "decided to *proceed*" in text_of(m)]
    assert "report the results by *Mon 11 Jan 2027*" in text_of(go)
    for approver in ("UALICE", "UBOB"):
        [polite] = [m for m in slack.dms(approver) if "Thank you for your time" in text_of(m)]
        assert "decided to proceed" in text_of(polite) and "will report the results" in text_of(polite)
    assert not [m for m in slack.dms("UCAROL") if "Thank you for your time" in text_of(m)]  # she approved
    [note] = [m for m in slack.posts("CGENERAL") if "proceed and report" in text_of(m)]
    assert "without sign-off from <@UALICE>, <@UBOB>" in text_of(note)
    settled = [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"]
    assert settled and buttons(settled[-1]) == [] and "You decided to proceed and report" in text_of(settled[-1])

    # Alice approves after the fact: a ratification, status unchanged.
    clock.advance(minutes=20)
    assert "ratification" in slack.command("approve GL-1", user="UALICE")["text"]
    assert status(gl) == "proceeding"

    # The report falls due after 20 business days; the owner is reminded then and every 5 business days.
    sent = run_for(gl, fake, clock, days=35)
    reminders = [(at, m) for at, ch, m in sent if ch == "UOWNER" and "report on" in text_of(m)]
    days = [at.astimezone(zone("Europe/Berlin")).date() for at, _ in reminders]
    assert days[:2] == [date(2027, 1, 11), date(2027, 1, 18)]
    assert "is due Mon 11 Jan 2027" in text_of(reminders[0][1])
    assert "overdue since Mon 11 Jan 2027" in text_of(reminders[1][1])

    reply = slack.command("report GL-1 Switched vendors; costs down 12% <!channel>", user="UOWNER")
    assert "posted in <#CGENERAL>" in reply["text"]
    assert status(gl) == "reported"
    [posted] = [m for m in slack.posts("CGENERAL") if "*Report*" in text_of(m)]
    assert "Switched vendors; costs down 12%" in text_of(posted) and "<!channel>" not in text_of(posted)
    for person in ("USPONSOR", "UALICE", "UBOB", "UCAROL"):
        assert [m for m in slack.dms(person) if "*Report*" in text_of(m)], person
    before = len(fake.calls("chat.postMessage"))
    run_for(gl, fake, clock, days=10)
    assert len(fake.calls("chat.postMessage")) == before  # no more reminders

    story = text_of(slack.command("show GL-1"))
    for line in ("registered it", "nudged <@UALICE>", "sent the last call to <@UALICE>",
                 "deadline passed: asked the sponsor <@USPONSOR> to decide", "<@USPONSOR> decided to proceed and report",
                 "<@UALICE> approved after the sponsor decided to proceed (ratified)",
                 "reminded <@UOWNER> that the report is due", "<@UOWNER> filed the report", "Status: *proceeded and reported*",
                 "<@UALICE> ratified after", "<@UCAROL> approved after"):
        assert line in story, (line, story)


def test_sponsor_is_asked_again_every_two_business_days_in_working_hours(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    sent = run_for(gl, fake, clock, days=9)
    asks = [at for at, ch, m in sent if ch == "USPONSOR" and "your decision is still needed" in text_of(m)]
    local = [at.astimezone(zone("Europe/Berlin")) for at in asks]
    assert [d.date() for d in local] == [date(2026, 12, 16), date(2026, 12, 18), date(2026, 12, 22)]
    assert all(9 <= d.hour < 17 for d in local)
    # Approvers are not nudged while the sponsor decides.
    assert not [m for at, ch, m in sent if ch in ("UALICE", "UBOB")]


def test_extend_by_button_then_approve(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    assert slack.click("extend", "1", "USPONSOR") is None
    view = fake.calls("views.open")[-1].args["view"]
    assert view["callback_id"] == "extend_deadline" and len(view["title"]["text"]) <= 24
    past = slack.submit(view, {"deadline": {"type": "datepicker", "selected_date": "2026-12-01"}}, "USPONSOR")
    assert "is not in the future" in past.body and status(gl) == "escalated"
    slack.submit(view, {"deadline": {"type": "datepicker", "selected_date": "2026-12-23"}}, "USPONSOR")
    assert status(gl) == "open"
    assert [c for c in fake.calls("chat.update") if "extended to Wed 23 Dec 2026" in text_of(c.args)]
    for approver in ("UALICE", "UBOB"):
        [told] = [m for m in slack.dms(approver) if "extended the deadline" in text_of(m)]
        assert "*Wed 23 Dec 2026*" in text_of(told) and buttons(told)[0] == ("Approve", "approve")
    show = text_of(slack.command("show GL-1"))
    assert "deadline Wed 23 Dec 2026 (extended 1×)" in show
    assert "deadline Wed 23 Dec 2026 (extended 1×)" in text_of(slack.command("list"))
    assert "deadline Wed 23 Dec 2026 (extended 1×)" in text_of(slack.command("summary"))

    sent = run_for(gl, fake, clock, days=3)  # nudges resume on the cadence
    assert [m for at, ch, m in sent if ch == "UALICE" and "waited on you" in text_of(m)]
    slack.command("approve GL-1", user="UALICE")
    slack.click("approve", "1", "UBOB")
    assert status(gl) == "approved"


def test_extend_by_command_refuses_a_past_date(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    before = counts(gl)
    assert "is not in the future" in slack.command("extend GL-1 by 2026-12-10")["text"]
    assert "more than 10 years away" in slack.command("extend GL-1 by 9999-12-31")["text"]
    assert counts(gl) == before
    assert "Mon 21 Dec 2026" in slack.command("extend GL-1 in 5 days")["text"]  # business days from Mon 14 Dec
    assert status(gl) == "open"


def test_late_approvals_complete_it_and_withdraw_the_sponsors_question(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    slack.command("approve GL-1", user="UALICE")
    assert status(gl) == "escalated"
    assert "now approved" in slack.click("approve", "1", "UBOB")["text"]
    assert status(gl) == "approved"
    [update] = [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"]
    assert "no decision needed" in text_of(update) and buttons(update) == []
    outdated = slack.click("proceed", "1", "USPONSOR")
    assert "approved" in outdated["text"] and "Nothing changed" in outdated["text"]


def test_rejection_while_escalated(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    slack.command("reject GL-1 We have no budget & no time", user="UBOB")
    assert status(gl) == "rejected"
    for person in ("UOWNER", "USPONSOR"):
        [told] = [m for m in slack.dms(person) if "*rejected*" in text_of(m)]
        assert "We have no budget &amp; no time" in text_of(told)
    assert [c for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR" and "nothing to decide" in text_of(c.args)]


def test_proceed_before_the_deadline_is_the_sponsors_call(slack, gl, fake, clock):
    slack.command(NEW)
    reply = slack.command("proceed GL-1 Market window closes Friday", user="USPONSOR")
    assert "GL-1 is proceeding" in reply["text"]
    assert [m for m in slack.posts("CGENERAL") if "Market window closes Friday" in text_of(m)]
    sent = run_for(gl, fake, clock, days=6)
    assert not [m for at, ch, m in sent if ch in ("UALICE", "UBOB")]  # no nudges, no escalation


# --- rights: every action against every role -------------------------------------------------

ROLES = {"owner": "UOWNER", "sponsor": "USPONSOR", "approver": "UALICE", "other": "UOTHER"}
ACTIONS = {
    # action: (command, state it needs, roles allowed)
    "approve": ("approve GL-1", "open", {"approver"}),
    "reject": ("reject GL-1 too risky", "open", {"approver"}),
    "nudge": ("nudge GL-1", "open", {"owner", "sponsor"}),
    "extend": ("extend GL-1 in 20 days", "escalated", {"owner", "sponsor"}),
    "proceed": ("proceed GL-1", "escalated", {"sponsor"}),
    "report": ("report GL-1 done", "proceeding", {"owner", "sponsor"}),
    "withdraw": ("withdraw GL-1 changed plans", "open", {"owner", "sponsor"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_rights(slack, gl, fake, clock, action, role):
    command, state, allowed = ACTIONS[action]
    slack.command(NEW)
    if state in ("escalated", "proceeding"):
        with gl.transaction() as s:  # jump to the state directly: this test is about rights
            s.scalar(select(Initiative)).escalate_at = clock.now()
        sweep(gl)
    if state == "proceeding":
        slack.command("proceed GL-1", user="USPONSOR")
    assert status(gl) == state
    before = counts(gl)
    reply = slack.command(command, user=ROLES[role])["text"]
    if role in allowed:
        assert counts(gl) != before, reply
    else:
        assert reply.startswith("Only "), reply
        assert counts(gl) == before
        assert status(gl) == state


# --- buttons: double clicks, outdated messages, other workspaces ------------------------------

BUTTONS = {"approve": "UALICE", "snooze": "UALICE", "proceed": "USPONSOR", "withdraw": "UOWNER", "nudge": "UOWNER"}


@pytest.mark.parametrize("action", BUTTONS)
def test_double_click_counts_once(slack, gl, fake, clock, action):
    slack.command(NEW)
    first = slack.click(action, "1", BUTTONS[action])
    after_first = counts(gl)
    second = slack.click(action, "1", BUTTONS[action])
    if action == "snooze":  # snoozing twice is harmless: the same next business day, one more audit line
        assert "Snoozed" in second["text"]
        return
    assert counts(gl) == after_first, (first, second)
    assert "already" in second["text"] or "only open" in second["text"], second["text"]


@pytest.mark.parametrize("action", ["approve", "reject", "snooze", "ask_question", "proceed", "extend", "withdraw", "nudge"])
def test_outdated_click_answers_with_the_current_state(slack, gl, fake, clock, action):
    slack.command(NEW)
    slack.command("withdraw GL-1", user="UOWNER")
    before = counts(gl)
    user = {"proceed": "USPONSOR", "extend": "USPONSOR", "withdraw": "USPONSOR", "nudge": "UOWNER"}.get(action, "UALICE")
    reply = slack.click(action, "1", user)
    assert "withdrawn" in reply["text"], reply
    assert counts(gl) == before and status(gl) == "withdrawn"
    assert not fake.calls("views.open")


@pytest.mark.parametrize("action", ["approve", "reject", "proceed", "withdraw"])
def test_a_click_from_another_workspace_changes_nothing(slack, gl, fake, clock, action):
    slack.command(NEW)
    before = counts(gl)
    user = "USPONSOR" if action in ("proceed", "withdraw") else "UALICE"
    reply = slack.click(action, "1", user, team="T2")
    assert "does not exist in this workspace" in reply["text"]
    assert counts(gl) == before and status(gl) == "open"
