"""The deadline passes: the sponsor decides, the owner reports, late answers still count."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.calendar import zone
from bot.jobs import sweep
from storage.models import Approval, Event, Initiative, OutboxMessage
from tests.facts import bold, channels, days, history, mentions, of_kind, references, sent_as, status_label
from tests.slack_driver import buttons, text_of
from tests.story import ESCALATING as NEW
from tests.story import counts, escalate, run_for, status


def sponsor_dms(slack):
    return [m for m in slack.dms("USPONSOR") if buttons(m)]


def test_full_story_proceed_and_report(slack, gl, fake, clock):
    escalate(
        slack,
        gl,
        fake,
        clock,
        NEW.replace("approvers <@UALICE|a> <@UBOB|b>", "approvers <@UALICE|a> <@UBOB|b> <@UCAROL|c>"),
    )
    slack.command("approve GL-1 fine by me", user="UCAROL")  # too late for the deadline, still counts
    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert ini.escalated_at.astimezone(zone("Europe/Berlin")).isoformat().startswith("2026-12-12T00:")

    [question] = sponsor_dms(slack)
    text = text_of(question)
    assert references(text)[0] == "GL-1" and days(text) == ["Fri 11 Dec 2026", "Mon 11 Jan 2027"]  # which one, its
    # deadline, and when the report would be due if she proceeded today (what each choice does)
    assert {"UALICE", "UBOB", "UCAROL"} <= set(mentions(text))  # who was still waited on when it was asked…
    assert bold(text).count("4 business days") == 3  # …each for Mon 7 Dec 10:00 to the end of Fri 11 Dec
    assert buttons(question) == [("Proceed and report", "proceed"), ("Extend", "extend"), ("Withdraw", "withdraw")]
    with gl.transaction() as s:  # delivered in the sponsor's working hours (Monday 09:00 Berlin), not at midnight
        sent_at = s.scalar(select(OutboxMessage.sent_at).where(OutboxMessage.key.like("escalation:%")))
        assert sent_at.astimezone(zone("Europe/Berlin")).isoformat().startswith("2026-12-14T09:00")
    [owner_told] = of_kind(gl, slack.dms("UOWNER"), "escalated-owner")
    assert "USPONSOR" in mentions(text_of(owner_told))

    clock.advance(minutes=20)
    reply = slack.click("proceed", "1", "USPONSOR")
    assert (references(reply["text"]), mentions(reply["text"]), days(reply["text"])) == (
        ["GL-1"],
        ["UOWNER"],
        ["Mon 11 Jan 2027"],
    )  # the owner is told, and the report's due day
    assert status(gl) == "proceeding"
    [go] = of_kind(gl, slack.dms("UOWNER"), "proceed-owner")
    assert "Mon 11 Jan 2027" in bold(text_of(go))
    for approver in ("UALICE",):  # Bob, in Los Angeles, is told in his working hours (below)
        [polite] = of_kind(gl, slack.dms(approver), "proceed-approver")
        assert {"USPONSOR", "UOWNER"} <= set(mentions(text_of(polite))) and days(text_of(polite)) == ["Mon 11 Jan 2027"]
    assert not of_kind(gl, slack.dms("UCAROL"), "proceed-approver")  # she approved
    [note] = of_kind(gl, slack.posts("CGENERAL"), "proceed-note")
    assert {"UALICE", "UBOB"} <= set(mentions(text_of(note))) and "UCAROL" not in mentions(text_of(note))
    settled = [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"]
    assert settled and buttons(settled[-1]) == [] and of_kind(gl, settled[-1:], "escalation-settled")

    # Alice approves after the fact: a ratification, status unchanged.
    clock.advance(minutes=20)
    assert references(slack.command("approve GL-1", user="UALICE")["text"]) == ["GL-1"]
    with gl.transaction() as s:
        assert s.scalar(select(Event.actor_id).where(Event.kind == "ratified")) == "UALICE"
    assert status(gl) == "proceeding"

    # The report falls due after 20 business days; the owner is reminded then and every 5 business days.
    sent = run_for(gl, fake, clock, days=35)
    [(at, polite)] = [(at, m) for at, ch, m in sent if ch == "UBOB" and sent_as(gl, m) == {"proceed-approver"}]
    assert (
        at.astimezone(zone("America/Los_Angeles")).strftime("%a %d %H") == "Mon 14 09"
    )  # the first hourly sweep of his day
    assert days(text_of(polite)) == ["Mon 11 Jan 2027"]
    reminded = of_kind(gl, [m for _, ch, m in sent if ch == "UOWNER"], "report-reminder")
    reminders = [(at, m) for at, ch, m in sent if ch == "UOWNER" and any(m is r for r in reminded)]
    on = [at.astimezone(zone("Europe/Berlin")).date() for at, _ in reminders]
    assert on[:2] == [date(2027, 1, 11), date(2027, 1, 18)]
    # (The notification text says it too: "report due Mon 11 Jan 2027".)
    assert set(days(text_of(reminders[0][1]))) == {"Mon 11 Jan 2027"} and "overdue" not in text_of(reminders[0][1])
    assert set(days(text_of(reminders[1][1]))) == {"Mon 11 Jan 2027"} and "overdue" in text_of(reminders[1][1])

    reply = slack.command("report GL-1 Switched vendors; costs down 12% <!channel>", user="UOWNER")
    assert channels(reply["text"]) == ["CGENERAL"]
    assert status(gl) == "reported"
    [posted] = of_kind(gl, slack.posts("CGENERAL"), "report-note")
    assert "Switched vendors; costs down 12%" in text_of(posted) and "<!channel>" not in text_of(posted)
    sent = run_for(gl, fake, clock, days=10)
    # No more reminders: only the report reaches those who were outside their working hours when it was filed.
    assert all(sent_as(gl, m) <= {"report", "report-note"} for _, _, m in sent)
    for person in ("USPONSOR", "UALICE", "UBOB", "UCAROL"):
        [told] = of_kind(gl, slack.dms(person), "report")
        assert "Switched vendors; costs down 12%" in text_of(told), person

    story = text_of(slack.command("show GL-1"))
    with gl.transaction() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.initiative_id == 1).order_by(Event.id))]
        assert s.scalar(select(Initiative.report_text)) == "Switched vendors; costs down 12% @channel"
        decided = dict(s.execute(select(Approval.approver_id, Approval.decision)).all())
    assert kinds == [
        "registered",
        "nudged",
        "nudged",
        "last_call",
        "last_call",
        "last_call",
        "escalated",
        "approved",
        "proceeded",
        "ratified",
        "report_reminded",
        "report_reminded",
        "reported",
    ]
    assert decided == {"UALICE": "approved", "UBOB": "pending", "UCAROL": "approved"}
    # Every event is a line of the story, at its moment, naming who acted or was asked.
    assert history(story) == [
        ("Mon 7 Dec 2026 10:00", ["UOWNER"]),
        ("Wed 9 Dec 2026 10:00", ["UALICE"]),
        ("Wed 9 Dec 2026 18:00", ["UBOB"]),
        ("Thu 10 Dec 2026 01:00", ["UCAROL"]),
        ("Thu 10 Dec 2026 09:00", ["UALICE"]),
        ("Thu 10 Dec 2026 18:00", ["UBOB"]),
        ("Sat 12 Dec 2026 00:00", ["USPONSOR"]),
        ("Mon 14 Dec 2026 10:00", ["UCAROL"]),
        ("Mon 14 Dec 2026 10:20", ["USPONSOR"]),
        ("Mon 14 Dec 2026 10:40", ["UALICE"]),
        ("Mon 11 Jan 2027 09:40", ["UOWNER"]),
        ("Mon 18 Jan 2027 09:40", ["UOWNER"]),
        (history(story)[-1][0], ["UOWNER"]),
    ]
    assert status_label("reported") in bold(story)


def test_sponsor_is_asked_again_every_two_business_days_in_working_hours(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    sent = run_for(gl, fake, clock, days=9)
    again = of_kind(gl, [m for _, ch, m in sent if ch == "USPONSOR"], "sponsor-ask")
    asks = [at for at, ch, m in sent if ch == "USPONSOR" and any(m is a for a in again)]
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
    [settled] = [
        c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"
    ]  # the question, answered
    assert days(text_of(settled))[-1] == "Wed 23 Dec 2026" and buttons(settled) == []
    run_for(gl, fake, clock, days=0.5)  # Bob in Los Angeles hears of it in his working hours
    for approver in ("UALICE", "UBOB"):
        [told] = of_kind(gl, slack.dms(approver), "extended")
        assert "Wed 23 Dec 2026" in bold(text_of(told)) and buttons(told)[0] == ("Approve", "approve")
    # The new deadline, and that it was extended once, wherever the initiative is listed.
    for listed in (
        text_of(slack.command("show GL-1")),
        text_of(slack.command("list")),
        text_of(slack.command("summary")),
    ):
        assert [line for line in listed.split("\n") if "Wed 23 Dec 2026" in days(line) and "1×" in line], listed

    sent = run_for(gl, fake, clock, days=3)  # nudges resume on the cadence
    assert of_kind(gl, [m for at, ch, m in sent if ch == "UALICE"], "nudge")
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
    assert references(slack.click("approve", "1", "UBOB")["text"]) == ["GL-1"]
    assert status(gl) == "approved"
    [update] = [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"]
    assert of_kind(gl, [update], "escalation-settled") and buttons(update) == []
    before = counts(gl)
    outdated = slack.click("proceed", "1", "USPONSOR")
    assert status_label("approved") in outdated["text"] and counts(gl) == before and status(gl) == "approved"


def test_rejection_while_escalated(slack, gl, fake, clock):
    escalate(slack, gl, fake, clock)
    slack.command("reject GL-1 We have no budget & no time", user="UBOB")
    assert status(gl) == "rejected"
    for person in ("UOWNER", "USPONSOR"):
        [told] = of_kind(gl, slack.dms(person), "rejected")
        assert "We have no budget &amp; no time" in text_of(told) and mentions(text_of(told))[0] == "UBOB"
    assert of_kind(
        gl, [c.args for c in fake.calls("chat.update") if c.args["channel"] == "DUSPONSOR"], "escalation-settled"
    )


def test_proceed_before_the_deadline_is_the_sponsors_call(slack, gl, fake, clock):
    slack.command(NEW)
    reply = slack.command("proceed GL-1 Market window closes Friday", user="USPONSOR")
    assert references(reply["text"]) == ["GL-1"] and status(gl) == "proceeding"
    assert [m for m in slack.posts("CGENERAL") if "Market window closes Friday" in text_of(m)]
    sent = run_for(gl, fake, clock, days=6)
    # No nudges, no escalation: only Bob hears of the decision, at the start of his working day in Los Angeles;
    # his sign-off request, held until then, is never sent since its buttons were spent before it arrived.
    assert [(ch, sent_as(gl, m)) for at, ch, m in sent if ch in ("UALICE", "UBOB")] == [("UBOB", {"proceed-approver"})]


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
        allowed_people = {ROLES[r] for r in allowed} | ({"UBOB"} if allowed == {"approver"} else set())
        assert set(mentions(reply)) == allowed_people and references(reply) == ["GL-1"], reply  # who may, instead
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
        assert days(second["text"]) == days(first["text"]) == ["Wed 9 Dec 2026"]
        return
    assert counts(gl) == after_first, (first, second)
    # The second click is told what the first one did: when, or the state it left.
    assert references(second["text"]) == ["GL-1"], second["text"]
    assert {
        "approve": lambda t: days(t) == ["Mon 7 Dec 2026"],  # approved that day
        "proceed": lambda t: days(t) == ["Mon 4 Jan 2027"],  # proceeding, the report due then
        "withdraw": lambda t: status_label("withdrawn") in t,
        "nudge": lambda t: days(t) == ["Tue 8 Dec 2026"],
    }[action](second["text"]), second["text"]  # next possible day


@pytest.mark.parametrize(
    "action", ["approve", "reject", "snooze", "ask_question", "proceed", "extend", "withdraw", "nudge"]
)
def test_outdated_click_answers_with_the_current_state(slack, gl, fake, clock, action):
    slack.command(NEW)
    slack.command("withdraw GL-1", user="UOWNER")
    before = counts(gl)
    user = {"proceed": "USPONSOR", "extend": "USPONSOR", "withdraw": "USPONSOR", "nudge": "UOWNER"}.get(
        action, "UALICE"
    )
    reply = slack.click(action, "1", user)
    assert status_label("withdrawn") in reply["text"] and references(reply["text"]) == ["GL-1"], reply
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
