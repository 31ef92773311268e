"""Decisions nobody regrets (SPEC §4): the sponsor is told at registration, the escalation DM says what each
choice does, Proceed and report and Withdraw ask for confirmation, Reject says who will read the reason, and
the sponsor's App Home shows the decision that waits on her."""

from __future__ import annotations

from tests.facts import bold, channels, days, mentions, of_kind, parts, references
from tests.slack_driver import buttons, text_of
from tests.story import counts, open_home, run_for, status

NEW = "new Vendor switch approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2026-12-11"


def confirms(message: dict) -> dict[str, dict]:
    """{action id: its confirmation dialog} of every button that asks first."""
    return {
        el["action_id"]: el["confirm"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for el in b["elements"]
        if "confirm" in el
    }


def test_the_sponsor_is_told_at_registration_when_she_would_decide(slack, gl):
    slack.command(NEW)
    [told] = of_kind(gl, slack.dms("USPONSOR"), "sponsor")
    text = text_of(told)
    assert references(told["text"]) == ["GL-1"] and "sponsor" in told["text"]  # the notification says what it is
    assert set(mentions(text)) == {"UOWNER", "UALICE", "UOTHER"}
    assert set(days(text)) == {"Fri 11 Dec 2026", "Mon 14 Dec 2026"}  # the deadline, and when she would be asked
    assert "Mon 14 Dec 2026 at 09:00" in text and buttons(told) == []  # nothing to click yet


def test_the_escalation_says_what_each_choice_does_and_irreversible_ones_ask_first(slack, gl, fake, clock):
    slack.command(NEW)
    run_for(gl, fake, clock, days=7)
    [asked] = of_kind(gl, slack.dms("USPONSOR"), "escalation")
    text = text_of(asked)
    assert {"Proceed and report", "Extend", "Withdraw"} <= set(bold(text))
    assert "Mon 11 Jan 2027" in days(text)  # when the report would be due: 20 business days after today
    assert "no longer reject" in text
    assert "deadline passed, 2 of 2 sign-offs missing" in asked["text"]  # the notification's first line
    dialogs = confirms(asked)
    assert set(dialogs) == {"proceed", "withdraw"} and dialogs["withdraw"]["style"] == "danger"
    assert "UOWNER" in mentions(dialogs["proceed"]["text"]["text"])  # who is told

    # Her App Home no longer says that nothing waits on her: her decision does, with the same buttons.
    open_home(slack, "USPONSOR")
    home = [c.args["view"] for c in fake.calls("views.publish") if c.args.get("user_id") == "USPONSOR"][-1]
    waiting = parts(home)[1]
    assert references(waiting) == ["GL-1"] and "Nothing waits on you" not in waiting
    assert {"proceed", "withdraw"} <= set(confirms(home))


def test_the_reject_form_is_the_confirmation_and_names_everyone_who_reads_the_reason(slack, gl, fake, clock):
    slack.command(NEW)
    before = counts(gl)
    slack.click("reject", "1", "UALICE")
    view = fake.calls("views.open")[-1].args["view"]
    said = view["blocks"][0]["text"]["text"]
    assert set(mentions(said)) == {"UOWNER", "USPONSOR"} and channels(said) == ["CGENERAL"]  # who reads the reason
    assert "cannot be undone" in said and "ends it for everyone" in bold(said)  # what it will do
    assert (view["submit"]["text"], view["close"]["text"]) == ("Reject", "Cancel")
    assert counts(gl) == before and status(gl) == "open"  # nothing happens before the form is submitted

    # Once the sponsor decided to proceed, the same button records an objection: the form says so.
    run_for(gl, fake, clock, days=7)
    slack.command("proceed GL-1 go", user="USPONSOR")
    slack.click("reject", "1", "UOTHER")
    said = fake.calls("views.open")[-1].args["view"]["blocks"][0]["text"]["text"]
    assert "objection" in bold(said) and "does not stop" in said and set(mentions(said)) == {"UOWNER", "USPONSOR"}


def test_help_explains_the_roles_with_an_example_per_command_and_no_raw_placeholders(slack):
    text = slack.command("help")["text"]
    assert {"owner", "approver", "sponsor", "proceed and report", "business days"} <= {w.lower() for w in bold(text)}
    commands = [line for line in text.split("\n") if line.startswith("`/greenlight")]
    assert len(commands) >= 16 and all("e.g. `/greenlight" in line for line in commands)
    assert "<" not in text.replace("&lt;", "")  # placeholders escaped: Slack would read <title> as a link
