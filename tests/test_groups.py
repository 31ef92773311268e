"""Slack user groups as approvers: one slot that any one member answers (recorded with their name); the request
goes to every member in their working hours, reminders to the members at work; a group that does not exist or has
no members is refused with nothing written."""

from __future__ import annotations

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval
from tests.facts import history, lines_about, live_buttons, mentions, of_kind, parts, references, sections
from tests.slack_driver import buttons, text_of
from tests.story import counts, home_click, homes, open_home, run_for, status

BERLIN, TOKYO, LA = zone("Europe/Berlin"), zone("Asia/Tokyo"), zone("America/Los_Angeles")
HR = "<!subteam^SHR|@hr>"
THREE_STAGES = (
    f"new Training plan approvers <@UALICE|a> <@UOTHER|o> rule any then {HR} then <@UFRANK|f> "
    "sponsor <@USPONSOR|s> by 2026-12-18"
)


def local(at, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %H:%M")


def to(sent, person):
    return [(at, m) for at, ch, m in sent if ch == person]


def hr_group(fake):
    fake.grant("usergroups:read")
    fake.add_user("UEVE", name="eve", tz="Europe/Berlin")
    fake.add_user("UFRANK", name="frank", tz="Europe/Berlin")
    fake.add_group("SHR", ["UBOB", "UCAROL", "UEVE"])  # Los Angeles, Tokyo, Berlin


def test_three_stages_with_a_quorum_and_a_group_each_person_told_in_their_working_hours(slack, gl, fake, clock):
    hr_group(fake)
    reply = slack.command(THREE_STAGES)["text"]
    assert references(reply) == ["GL-1"]
    [announcement] = slack.posts("CGENERAL")
    assert "<!subteam^SHR>" in text_of(announcement)

    # Monday: only stage 1 is asked; nobody in the group hears anything yet.
    run_for(gl, fake, clock, days=1)  # to Tuesday 8 December, 10:00 Berlin
    people = ("UALICE", "UOTHER", "UBOB", "UCAROL", "UEVE", "UFRANK")
    assert [len(of_kind(gl, slack.dms(p), "request")) for p in people] == [1, 1, 0, 0, 0, 0]

    # Tuesday: Alice approves; one is enough in stage 1. The group is asked: every member, each at 09:00 their time.
    reply = slack.command("approve GL-1", user="UALICE")["text"]
    assert "<!subteam^SHR>" in reply
    # Eve is at work (Tuesday 10:00 Berlin): asked at once; Bob and Carol are not yet at work.
    assert [len(of_kind(gl, slack.dms(p), "request")) for p in ("UBOB", "UCAROL", "UEVE")] == [0, 0, 1]
    eves = of_kind(gl, slack.dms("UEVE"), "request")[0]
    sent = run_for(gl, fake, clock, days=1)  # to Wednesday 9 December, 10:00 Berlin
    asked = {p: to(sent, p) for p in ("UBOB", "UCAROL")}
    assert [len(asked[p]) for p in asked] == [1, 1]
    asked["UEVE"] = [(None, eves)]
    assert local(asked["UBOB"][0][0], LA) == "Tue 08 09:00"
    assert local(asked["UCAROL"][0][0], TOKYO) == "Wed 09 09:00"
    for [(_, request)] in asked.values():
        assert buttons(request)[0] == ("Approve", "approve") and "member of <!subteam^SHR>" in text_of(request)
    [other_told] = of_kind(gl, slack.dms("UOTHER"), "no-answer-needed")  # stage 1 no longer needs Other
    assert not buttons(other_told)

    # Thursday 10:00 Berlin the group's first reminder is due: only Eve is at work (01:00 in LA, 18:00 in Tokyo).
    sent = run_for(gl, fake, clock, days=1)  # to Thursday 10 December, 10:00 Berlin
    [(at, reminder)] = to(sent, "UEVE")
    assert local(at, BERLIN) == "Thu 10 10:00" and "waited" in text_of(reminder) and buttons(reminder)
    assert to(sent, "UBOB") == [] and to(sent, "UCAROL") == []

    # Someone outside the group does not answer for it: refused, nothing written.
    before = counts(gl)
    assert "Only the approvers" in slack.command("approve GL-1", user="UADMIN")["text"]
    assert counts(gl) == before

    # Carol answers for the group (Thursday 18:00 her time): the slot is approved with her name; stage 3 is asked.
    clock.advance(hours=-1)
    reply = slack.command("approve GL-1 HR agrees", user="UCAROL")["text"]
    assert "UFRANK" in mentions(reply)
    with gl.transaction() as s:
        assert s.execute(
            select(Approval.decision, Approval.answered_by).where(Approval.approver_id == "SHR")
        ).one() == (
            "approved",
            "UCAROL",
        )
    [frank_asked] = of_kind(gl, slack.dms("UFRANK"), "request")  # Thursday 09:00 Berlin: at work, asked at once
    assert buttons(frank_asked)[0] == ("Approve", "approve")
    run_for(gl, fake, clock, days=1)
    # Bob's and Eve's buttons are spent: their messages now say who answered for the group.
    assert [r for r, _ in live_buttons(gl) if r in ("UBOB", "UCAROL", "UEVE")] == []
    updates = [c.args for c in fake.calls("chat.update") if c.args["channel"] in ("UBOB", "DUBOB")]
    assert any("UCAROL" in mentions(text_of(u)) and "<!subteam^SHR>" in text_of(u) for u in updates)
    story = text_of(slack.command("show GL-1"))
    assert any(who == ["UCAROL"] for _, who in history(story))
    assert any("UCAROL" in mentions(line) and "for <!subteam^SHR>" in line for line in story.split("\n"))

    # Frank approves: approved; the owner hears it.
    slack.command("approve GL-1", user="UFRANK")
    assert status(gl) == "approved"
    assert of_kind(gl, slack.dms("UOWNER"), "approved")


def test_a_rejection_by_one_member_rejects_for_the_group(slack, gl, fake, clock):
    hr_group(fake)
    slack.command(f"new Plan approvers {HR} sponsor <@USPONSOR|s>")
    reply = slack.command("reject GL-1 no budget", user="UEVE")["text"]
    assert "recorded" in reply and status(gl) == "rejected"
    [told] = of_kind(gl, slack.dms("UOWNER"), "rejected")
    assert "UEVE" in mentions(text_of(told))


def test_a_group_that_does_not_exist_or_is_empty_is_refused_and_nothing_is_written(slack, gl, fake):
    before = counts(gl)
    # Without the usergroups:read scope, said plainly.
    reply = slack.command(f"new Plan approvers {HR} sponsor <@USPONSOR|s>")["text"]
    assert "usergroups:read" in reply
    hr_group(fake)
    fake.add_group("SEMPTY", [])
    for group, says in [("<!subteam^SNOPE|@nope>", "is not a user group"), ("<!subteam^SEMPTY|@e>", "no members")]:
        reply = slack.command(f"new Plan approvers <@UALICE|a> {group} sponsor <@USPONSOR|s>")["text"]
        assert says in reply, reply
        reply = slack.command(f"template save plan approvers {group} sponsor <@USPONSOR|s>")["text"]
        assert says in reply, reply
        reply = slack.command(f"settings escalate-to {group}", user="UADMIN")["text"]
        assert says in reply, reply
    assert counts(gl) == before
    assert references(slack.command(f"new Plan approvers {HR} sponsor <@USPONSOR|s>")["text"]) == ["GL-1"]


def waiting_part(fake, person) -> str:
    """What the latest Home published to this person shows under "Waiting on you"."""
    return parts(homes(fake, person)[-1])[1]


def test_a_group_slot_waits_on_each_member_in_their_home_and_mine_and_one_answers_from_there(slack, gl, fake, clock):
    hr_group(fake)
    slack.command(f"new Plan approvers {HR} <@UALICE|a> sponsor <@USPONSOR|s>")  # GL-1
    slack.command(f"new Audit approvers {HR} <@UCAROL|c> sponsor <@USPONSOR|s>")  # GL-2: Carol has her own slot
    slack.command(f"new Budget approvers {HR} sponsor <@USPONSOR|s>", user="UBOB")  # GL-3: Bob owns it
    clock.advance(days=1)
    for person in ("UBOB", "UCAROL", "UEVE"):
        open_home(slack, person)
    # Every member sees the group's slot, saying that it is the group's: not the owner of GL-3, and Carol sees
    # GL-2 once, as her own (her answer goes to her own slot).
    eve = waiting_part(fake, "UEVE")
    assert references(eve) == ["GL-1", "GL-2", "GL-3"]
    [line] = [t for t in sections(homes(fake, "UEVE")[-1]) if "GL-1" in t]
    assert "<!subteam^SHR>" in line and "any one member answers" in line and "1 business day" in line
    assert references(waiting_part(fake, "UBOB")) == ["GL-1", "GL-2"]
    carol = waiting_part(fake, "UCAROL")
    assert references(carol) == ["GL-1", "GL-2", "GL-3"]
    [own] = [t for t in sections(homes(fake, "UCAROL")[-1]) if "GL-2" in t]
    assert "Waiting on you" in own and "<!subteam^SHR>" not in own
    home = homes(fake, "UEVE")[-1]
    assert buttons(home)[2:5] == [("Approve", "approve"), ("Reject", "reject"), ("Snooze", "snooze")]
    # `mine` shows the same.
    mine = text_of(slack.command("mine", user="UEVE"))
    [line] = [x for x in lines_about(mine, "GL-1") if "waiting on" in x]
    assert "<!subteam^SHR>" in line and "/greenlight approve GL-1" in line
    assert list(dict.fromkeys(references(mine.split("Your initiatives")[0]))) == ["GL-1", "GL-2", "GL-3"]

    # Eve approves GL-1 with the Home's button: recorded with her name; the other members' Homes no longer show it.
    home_click(slack, "approve", "1", "UEVE")
    with gl.transaction() as s:
        slot = s.scalar(select(Approval).where(Approval.approver_id == "SHR").order_by(Approval.id).limit(1))
        assert (slot.decision, slot.answered_by) == ("approved", "UEVE")
    assert references(waiting_part(fake, "UEVE")) == ["GL-2", "GL-3"]
    assert references(waiting_part(fake, "UBOB")) == ["GL-2"]
    assert "GL-1" not in text_of(slack.command("mine", user="UCAROL")).split("Your initiatives")[0]
