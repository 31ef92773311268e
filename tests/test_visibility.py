"""Who sees an initiative: the visibility matrix (SPEC §5), through every surface that shows initiatives.

Delegates are not a role yet (another issue adds them): the delegate row is someone named nowhere, and
sees what a non-member sees; bot/services/visibility.takes_part is where they will join."""

from __future__ import annotations

import json

import pytest

from tests.slack_driver import text_of
from tests.story import homes, open_home, run_for

PEOPLE = ["UOWNER", "USPONSOR", "UALICE", "UMEMBER", "UGUEST"]  # UALICE approves; UGUEST is in both channels
TITLES = {"CPUB": "Public plan", "CPRIV": "Secret plan"}
NUMBERS = {"CPUB": 1, "CPRIV": 2}

# viewer → does the viewer see an initiative of a public / a private channel in show, list, summary preview…
SEES_ALL = {
    "owner": True,
    "sponsor": True,
    "approver": True,
    "delegate": False,
    "channel member": True,
    "non-member": False,
    "guest": False,
    "admin": True,
}
# …and in mine, the Home and `export mine`: only what the viewer takes part in.
TAKES_PART = {
    "owner": True,
    "sponsor": True,
    "approver": True,
    "delegate": False,
    "channel member": False,
    "non-member": False,
    "guest": False,
    "admin": False,
}
USER = {
    "owner": "UOWNER",
    "sponsor": "USPONSOR",
    "approver": "UALICE",
    "delegate": "UDELEGATE",
    "channel member": "UMEMBER",
    "non-member": "UOUTSIDER",
    "guest": "UGUEST",
    "admin": "UADMIN",
}


@pytest.fixture
def world(slack, fake):
    """GL-1 announced in a public channel, GL-2 in a private one; the same people in both."""
    fake.add_user("UMEMBER")
    fake.add_user("UOUTSIDER")
    fake.add_user("UDELEGATE")
    fake.add_guest("UGUEST")
    fake.set_members("CPUB", PEOPLE)
    fake.set_members("CPRIV", PEOPLE, private=True)
    for channel, title in TITLES.items():
        reply = slack.command(f"new {title} approvers <@UALICE> sponsor <@USPONSOR> in <#{channel}>")
        assert reply["text"].startswith(f"Registered *GL-{NUMBERS[channel]}*")
    return slack


def seen(slack, fake, user: str, channel: str) -> dict[str, bool]:
    """What `user` gets to see of the initiative announced in `channel`, surface by surface."""
    title, number = TITLES[channel], NUMBERS[channel]
    shown = text_of(slack.command(f"show GL-{number}", user=user))
    open_home(slack, user)
    admin = user == "UADMIN"
    slack.command("export json all" if admin else "export json mine", user=user)
    exported = json.loads(fake.uploaded()[-1]["content"])
    return {
        "export": any(r["title"] == title for r in exported),
        "show": title in shown and f"There is no GL-{number}" not in shown,
        "list": title in text_of(slack.command("list", user=user)),
        "mine": title in text_of(slack.command("mine", user=user)),
        "home": title in text_of({"blocks": homes(fake, user)[-1]["blocks"]}),
        "summary preview": title in text_of(slack.command("summary", user=user, channel=channel)),
        # stats name no initiative: what is seen is what is counted (both initiatives, or none, here)
        "stats": "Registered: *2* initiatives" in text_of(slack.command("stats 30", user=user)),
    }


@pytest.mark.parametrize("role", list(USER))
@pytest.mark.parametrize("channel", ["CPUB", "CPRIV"])
def test_visibility_matrix(world, fake, role, channel):
    expected = {
        "export": SEES_ALL[role] if role == "admin" else TAKES_PART[role],
        "show": SEES_ALL[role],
        "list": SEES_ALL[role],
        "mine": TAKES_PART[role],
        "home": TAKES_PART[role],
        "summary preview": SEES_ALL[role],
        "stats": SEES_ALL[role],
    }
    assert seen(world, fake, USER[role], channel) == expected


def test_channel_membership_is_read_from_slack_and_cached_briefly(world, fake):
    world.command("list", user="UMEMBER")
    world.command("list", user="UMEMBER")
    asked = [c.args["channel"] for c in fake.calls("conversations.members")]
    assert sorted(asked) == ["CPRIV", "CPUB"]  # once per channel, not per request


def test_a_channel_the_bot_cannot_read_shows_its_initiatives_only_to_participants_and_admins(slack, fake):
    fake.add_user("UMEMBER")
    fake.set_members("CHIDDEN", ["UMEMBER", "UOWNER"], private=True, bot_is_member=False)
    slack.command("new Hidden plan approvers <@UALICE> sponsor <@USPONSOR> in <#CHIDDEN>")
    assert "There is no GL-1" in slack.command("show GL-1", user="UMEMBER")["text"]
    assert "Hidden plan" in text_of(slack.command("show GL-1", user="UADMIN"))


def test_a_question_is_read_only_by_the_approver_the_owner_and_the_sponsor(world, fake):
    world.click("ask_question", "2", "UALICE")
    world.submit(fake.calls("views.open")[-1].args["view"], {"question": "Which budget line is this?"}, "UALICE")
    for user in ("UALICE", "UOWNER", "USPONSOR"):
        assert "Which budget line is this?" in text_of(world.command("show GL-2", user=user))
    for user in ("UMEMBER", "UADMIN"):
        shown = text_of(world.command("show GL-2", user=user))
        assert "asked the owner a question" in shown and "Which budget line" not in shown


@pytest.mark.parametrize(
    "command",
    [
        "approve GL-2",
        "reject GL-2 no",
        "nudge GL-2",
        "proceed GL-2",
        "withdraw GL-2",
        "extend GL-2 in 5 days",
        "report GL-2 done",
    ],
)
def test_acting_on_an_initiative_one_may_not_see_reveals_nothing_of_it(world, command):
    assert (
        world.command(command, user="UOUTSIDER")["text"]
        == "There is no GL-2 in this workspace. `/greenlight list` shows the open ones."
    )
    assert "There is no GL-2" not in world.command(command, user="UMEMBER")["text"]  # may see it: told who may act


def test_a_guest_who_takes_part_sees_it_and_one_who_does_not_sees_nothing(slack, fake):
    fake.add_guest("UGUEST", ultra=True)
    fake.set_members("CPRIV", ["UOWNER", "UGUEST", "UALICE", "USPONSOR"], private=True)
    slack.command("new Guest plan approvers <@UGUEST> sponsor <@USPONSOR> in <#CPRIV>")
    slack.command("new Staff plan approvers <@UALICE> sponsor <@USPONSOR> in <#CPRIV>")
    assert "Guest plan" in text_of(slack.command("show GL-1", user="UGUEST"))
    assert "There is no GL-2" in slack.command("show GL-2", user="UGUEST")["text"]
    listing = text_of(slack.command("list", user="UGUEST"))
    assert "Guest plan" in listing and "Staff plan" not in listing


def test_a_group_member_and_an_escalation_contact_find_it_in_list_as_in_show(slack, gl, fake, clock):
    """`list` reads the one rule in SQL: someone asked as a member of an approving user group, or in a silent
    sponsor's place, sees the initiative there too, though not in its private channel."""
    fake.grant("usergroups:read")
    fake.add_user("UMEMBER")
    fake.add_user("UHEAD")
    fake.add_group("SHR", ["UMEMBER"])
    fake.set_members("CPRIV", ["UOWNER", "USPONSOR", "UALICE"], private=True)
    slack.command("settings escalate-to <@UHEAD|head>", user="UADMIN")
    slack.command("settings sponsor-wait 1", user="UADMIN")
    slack.command("new Group plan approvers <!subteam^SHR|@hr> sponsor <@USPONSOR> by 2026-12-11 in <#CPRIV>")
    assert "Group plan" in text_of(slack.command("list", user="UMEMBER"))
    assert "Group plan" not in text_of(slack.command("list", user="UHEAD"))  # not asked yet
    run_for(gl, fake, clock, days=9)  # the deadline passes, the sponsor is silent, the contact is asked
    assert "Group plan" in text_of(slack.command("show GL-1", user="UHEAD"))
    assert "Group plan" in text_of(slack.command("list", user="UHEAD"))
