"""The second escalation level: a sponsor silent for `sponsor-wait` business days after being asked is escalated to
the workspace's `escalate-to`, who is asked in their working hours with the sponsor's choices; silence never ends
the chain quietly."""

from __future__ import annotations

from bot.calendar import zone
from tests.facts import live_buttons, mentions, of_kind, parts, sections
from tests.slack_driver import buttons, text_of
from tests.story import ESCALATING, counts, home_click, homes, open_home, run_for, status

BERLIN, NEW_YORK = zone("Europe/Berlin"), zone("America/New_York")
CHOICES = [("Proceed and report", "proceed"), ("Extend", "extend"), ("Withdraw", "withdraw")]


def local(at, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %H:%M")


def sent_to(sent, person):
    return [(at, m) for at, ch, m in sent if ch == person]


def test_a_silent_sponsor_is_escalated_to_the_escalation_contact_who_may_decide(slack, gl, fake, clock):
    fake.add_user("UHEAD", name="head", tz="America/New_York")
    fake.set_members("CGENERAL", ["UOWNER", "USPONSOR", "UALICE", "UBOB", "UHEAD"])
    reply = slack.command("settings escalate-to <@UHEAD|head>", user="UADMIN")["text"]
    assert "UHEAD" in mentions(reply)
    assert "3 business days" in slack.command("settings sponsor-wait 3", user="UADMIN")["text"]
    slack.command(ESCALATING)  # Monday 7 December, deadline Friday 11 December

    # The deadline passes; the sponsor is asked on Monday 14 at 09:00 her time and again on Wednesday.
    sent = run_for(gl, fake, clock, days=9)  # to Wednesday 16 December, 10:00 Berlin
    assert status(gl) == "escalated"
    sponsor = sent_to(sent, "USPONSOR")
    assert [local(at, BERLIN) for at, _ in sponsor] == ["Mon 14 09:00", "Wed 16 09:00"]
    assert all(buttons(m) == CHOICES for _, m in sponsor)
    assert sent_to(sent, "UHEAD") == []  # not before sponsor-wait has passed

    # Before being asked, the escalation contact cannot decide: refused, nothing written.
    before = counts(gl)
    assert "Only the sponsor" in slack.command("proceed GL-1", user="UHEAD")["text"]
    assert "Only the owner" in slack.command("withdraw GL-1", user="UHEAD")["text"]
    assert counts(gl) == before

    # Three business days after the sponsor was asked (Thursday 09:00 Berlin), the contact is asked in their own
    # working hours (09:00 New York), with the sponsor's choices; the sponsor and the owner learn who was asked.
    sent = run_for(gl, fake, clock, days=1.25)  # to Thursday 17 December, 16:00 Berlin (10:00 New York)
    [(at, question)] = sent_to(sent, "UHEAD")
    assert local(at, NEW_YORK) == "Thu 17 09:00"
    assert buttons(question) == CHOICES
    assert text_of(question).startswith("GL-1: the sponsor has not decided for 3 business days")
    assert "USPONSOR" in mentions(text_of(question)) and {"UALICE", "UBOB"} <= set(mentions(text_of(question)))
    [(at, told)] = sent_to(sent, "USPONSOR")
    assert local(at, BERLIN) == "Thu 17 09:00" and "UHEAD" in mentions(text_of(told)) and not buttons(told)
    [(at, owner_told)] = sent_to(sent, "UOWNER")
    assert local(at, BERLIN) == "Thu 17 09:00" and mentions(text_of(owner_told))[:2] == ["USPONSOR", "UHEAD"]

    # Nobody decides: on the sponsor's next ask (Friday), the contact is asked again too, each in their hours.
    sent = run_for(gl, fake, clock, days=1)  # to Friday 18 December, 16:00 Berlin
    [(at, again)] = sent_to(sent, "USPONSOR")
    assert local(at, BERLIN) == "Fri 18 09:00" and buttons(again) == CHOICES
    [(at, head_again)] = sent_to(sent, "UHEAD")
    assert local(at, NEW_YORK) == "Fri 18 09:00" and buttons(head_again) == CHOICES
    assert "still needed" in text_of(head_again)

    # An approver cannot take the sponsor's choice; the contact can, with the sponsor's button.
    before = counts(gl)
    assert "Only the sponsor" in slack.command("proceed GL-1", user="UALICE")["text"]
    assert counts(gl) == before
    slack.click("proceed", "1", "UHEAD")
    assert status(gl) == "proceeding"
    [sponsor_told] = of_kind(gl, slack.dms("USPONSOR"), "proceed-sponsor")
    assert mentions(text_of(sponsor_told))[0] == "UHEAD" and "in your place" in text_of(sponsor_told)
    [owner_told] = of_kind(gl, slack.dms("UOWNER"), "proceed-owner")
    assert mentions(text_of(owner_told))[0] == "UHEAD"
    run_for(gl, fake, clock, days=0.1)
    # Every question's buttons are spent: the sponsor's and the contact's.
    assert [r for r, _ in live_buttons(gl) if r in ("USPONSOR", "UHEAD")] == []
    story = text_of(slack.command("show GL-1"))
    assert any("escalate-to" in line and "UHEAD" in mentions(line) for line in story.split("\n"))


def test_the_contact_may_extend_and_their_rights_end_with_the_escalation(slack, gl, fake, clock):
    slack.command("settings escalate-to <@UOTHER|other>", user="UADMIN")
    slack.command(ESCALATING)
    run_for(gl, fake, clock, days=14)  # sponsor asked Mon 14; five business days later (Mon 21) UOTHER is asked
    [asked] = of_kind(gl, slack.dms("UOTHER"), "further")
    assert buttons(asked) == CHOICES
    assert "extension 1" in slack.command("extend GL-1 in 3 days", user="UOTHER")["text"]
    assert status(gl) == "open"
    [extended] = of_kind(gl, slack.dms("USPONSOR"), "extended")
    assert mentions(text_of(extended))[0] == "UOTHER"
    # Once extended, the contact's rights end with the escalation.
    before = counts(gl)
    assert "Only the owner" in slack.command("withdraw GL-1", user="UOTHER")["text"]
    assert counts(gl) == before


def test_unset_nobody_beyond_the_sponsor_and_set_late_the_contact_is_asked_at_once(slack, gl, fake, clock):
    slack.command(ESCALATING)
    sent = run_for(gl, fake, clock, days=14)  # to Monday 21 December: the sponsor asked Mon 14, re-asked Wed, Fri
    assert len(of_kind(gl, [m for _, ch, m in sent if ch == "USPONSOR"], "escalation", "sponsor-ask")) == 3
    assert of_kind(gl, [m for _, _, m in sent], "further") == []
    # Set now: the sponsor has been silent longer than sponsor-wait, so the contact is asked at the next sweep.
    reply = slack.command("settings escalate-to <@UOTHER|other>", user="UADMIN")["text"]
    assert "escalations already waiting" in reply
    sent = run_for(gl, fake, clock, days=0.1, step_minutes=5)
    [(at, _, asked)] = [(at, ch, m) for at, ch, m in sent if ch == "UOTHER"]
    assert buttons(asked) == CHOICES


def test_bad_escalation_contacts_are_refused_and_nothing_is_written(slack, gl, fake):
    before = counts(gl)
    for value, says in [
        ("<@UROBOT|robot>", "cannot decide"),
        ("<@UGONE|gone>", "cannot decide"),
        ("head of ops", "is not a person"),
    ]:
        reply = slack.command(f"settings escalate-to {value}", user="UADMIN")["text"]
        assert says in reply, reply
    assert "Only workspace admins" in slack.command("settings escalate-to <@UALICE|a>", user="UALICE")["text"]
    assert "is not a number" in slack.command("settings sponsor-wait soon", user="UADMIN")["text"]
    assert counts(gl) == before


def test_a_group_as_escalation_contact_every_member_is_asked_in_their_hours(slack, gl, fake, clock):
    fake.grant("usergroups:read")
    fake.add_group("SOPS", ["UOTHER", "UCAROL"])  # Berlin, Tokyo
    assert "SOPS" in slack.command("settings escalate-to <!subteam^SOPS|@ops>", user="UADMIN")["text"]
    slack.command(ESCALATING)
    sent = run_for(gl, fake, clock, days=15)  # the sponsor asked Mon 14 09:00; five business days: Mon 21 09:00
    (at, berlin), *_ = [(at, m) for at, m in sent_to(sent, "UOTHER") if buttons(m)]
    [(at_tokyo, tokyo)] = [(at, m) for at, m in sent_to(sent, "UCAROL") if buttons(m)]
    assert local(at, BERLIN) == "Mon 21 09:00" and local(at_tokyo, zone("Asia/Tokyo")) == "Tue 22 09:00"
    assert buttons(berlin) == buttons(tokyo) == CHOICES
    [owner_told] = of_kind(gl, slack.dms("UOWNER"), "escalated-further")
    assert "<!subteam^SOPS>" in text_of(owner_told)
    slack.click("withdraw", "1", "UCAROL")
    assert status(gl) == "withdrawn"


def test_the_decision_waits_on_the_contact_in_their_home_and_mine_with_working_buttons(slack, gl, fake, clock):
    fake.set_members("CGENERAL", ["UOWNER", "USPONSOR", "UALICE", "UBOB", "UOTHER"])
    slack.command("settings escalate-to <@UOTHER|other>", user="UADMIN")
    slack.command(ESCALATING)  # Monday 7 December, deadline Friday 11 December
    open_home(slack, "UOTHER")
    assert "GL-1" not in parts(homes(fake, "UOTHER")[-1])[1]
    run_for(gl, fake, clock, days=9)  # to Wednesday 16: the sponsor asked (Mon 14), the contact not yet
    assert "GL-1" not in text_of(slack.command("mine", user="UOTHER"))
    assert "GL-1" not in parts(homes(fake, "UOTHER")[-1])[1]

    run_for(gl, fake, clock, days=5)  # five business days after the sponsor was asked (Mon 21), the contact is
    [asked] = of_kind(gl, slack.dms("UOTHER"), "further")
    # Their Home (kept fresh, as they opened it) shows the decision waiting on them, with the sponsor's buttons.
    home = homes(fake, "UOTHER")[-1]
    [decision] = [t for t in sections(home) if "GL-1" in t]
    assert decision.startswith("*Decision:*") and "in their place" in decision
    assert mentions(decision)[:2] == ["UOWNER", "UALICE"] and "USPONSOR" in mentions(decision)
    assert buttons(home)[2:] == CHOICES
    # So does `mine`, saying how to decide.
    [line] = [x for x in text_of(slack.command("mine", user="UOTHER")).split("\n") if "GL-1" in x]
    assert line.startswith("*Decision:*") and "/greenlight proceed GL-1" in line and "USPONSOR" in mentions(line)
    # The Home's Extend opens the form (for them, who may extend); its Proceed and report decides in the sponsor's place.
    home_click(slack, "extend", "1", "UOTHER")
    assert [c.args["view"]["callback_id"] for c in fake.calls("views.open")] == ["extend_deadline"]
    home_click(slack, "proceed", "1", "UOTHER")
    assert status(gl) == "proceeding"
    [told] = of_kind(gl, slack.dms("USPONSOR"), "proceed-sponsor")
    assert mentions(text_of(told))[0] == "UOTHER"
    # Decided: it no longer waits on them, in the Home or in `mine`.
    assert "GL-1" not in parts(homes(fake, "UOTHER")[-1])[1]
    assert "Nothing waits on you" in text_of(slack.command("mine", user="UOTHER"))


def test_a_group_with_nobody_who_could_decide_is_said_and_the_sponsor_is_still_asked(slack, gl, fake, clock):
    fake.grant("usergroups:read")
    fake.add_group("SBOARD", ["USPONSOR"])  # the only member is the sponsor, who is the one silent
    assert "SBOARD" in slack.command("settings escalate-to <!subteam^SBOARD|@board>", user="UADMIN")["text"]
    slack.command(ESCALATING)
    sent = run_for(gl, fake, clock, days=14)  # the sponsor asked Mon 14; five business days later: Mon 21 09:00
    # Nobody is asked in the sponsor's place (the sponsor is not asked "as the group" either) ...
    assert of_kind(gl, [m for _, _, m in sent], "further") == []
    # ... and nobody is told that the group was asked: the owner, the sponsor and the admin learn that nobody could be.
    assert of_kind(gl, [m for _, _, m in sent], "escalated-further") == []
    [(at, owner_told)] = [(at, m) for at, m in sent_to(sent, "UOWNER") if of_kind(gl, [m], "escalated-further-nobody")]
    assert local(at, BERLIN) == "Mon 21 09:00"
    assert text_of(owner_told).startswith("GL-1: the sponsor has not decided, and nobody else could be asked")
    assert "nobody could be asked in their place" in text_of(owner_told) and "I keep asking the sponsor" in text_of(
        owner_told
    )
    assert mentions(text_of(owner_told))[0] == "USPONSOR" and "<!subteam^SBOARD>" in text_of(owner_told)
    assert not buttons(owner_told)
    [sponsor_told] = of_kind(gl, slack.dms("USPONSOR"), "escalated-further-nobody")
    assert "The decision is still yours" in text_of(sponsor_told) and "<!subteam^SBOARD>" in text_of(sponsor_told)
    [admin_told] = of_kind(gl, slack.dms("UADMIN"), "escalated-further-nobody")
    assert text_of(admin_told).startswith("GL-1: nobody could be asked in the silent sponsor's place")
    assert "/greenlight settings escalate-to" in text_of(admin_told)
    assert of_kind(gl, slack.dms("UALICE") + slack.dms("UOTHER"), "escalated-further-nobody") == []
    story = text_of(slack.command("show GL-1"))
    assert any("nobody could be asked" in line and "<!subteam^SBOARD>" in line for line in story.split("\n"))

    # Silence does not end the chain: the sponsor is asked again on the cadence (Tuesday), nobody is told twice.
    sent = run_for(gl, fake, clock, days=2)  # to Wednesday 23 December, 10:00 Berlin
    asks = of_kind(gl, [m for at, m in sent_to(sent, "USPONSOR")], "sponsor-ask")
    assert asks and all(buttons(m) == CHOICES for m in asks)
    assert of_kind(gl, [m for _, _, m in sent], "escalated-further-nobody", "further") == []
    # Once someone who can decide is named, they are asked at once.
    slack.command("settings escalate-to <@UOTHER|other>", user="UADMIN")
    sent = run_for(gl, fake, clock, days=0.1, step_minutes=5)
    [asked] = of_kind(gl, [m for at, m in sent_to(sent, "UOTHER")], "further")
    assert buttons(asked) == CHOICES


def test_the_escalation_contact_is_told_that_the_sponsor_is_away(slack, gl, fake, clock):
    fake.add_user("UHEAD", name="head", tz="America/New_York")
    fake.set_members("CGENERAL", ["UOWNER", "USPONSOR", "UALICE", "UBOB", "UHEAD"])
    slack.command("settings escalate-to <@UHEAD|head>", user="UADMIN")
    slack.command("settings sponsor-wait 3", user="UADMIN")
    slack.command(ESCALATING)  # Monday 7 December, deadline Friday 11 December
    run_for(gl, fake, clock, days=8)  # the sponsor is asked on Monday 14 December; to Tuesday 15, 10:00 Berlin
    assert "Thu 31 Dec 2026" in slack.command("me away until 2026-12-31", user="USPONSOR")["text"]

    sent = run_for(gl, fake, clock, days=2.25)  # to Thursday 17 December, 16:00 Berlin (10:00 New York)
    [(at, question)] = sent_to(sent, "UHEAD")
    assert local(at, NEW_YORK) == "Thu 17 09:00" and buttons(question) == CHOICES
    assert "away until Thu 31 Dec 2026, nobody standing in" in text_of(question)
