"""The App Home: published when opened, refreshed after changes, its buttons acting like the DMs' ones."""

from __future__ import annotations

from sqlalchemy import select

from bot.people import refresh_people
from bot.services import initiatives as service
from storage.models import Initiative, Person
from tests.facts import bold, days, lines_about, mentions, of_kind, parts, references, sections, status_label
from tests.slack_driver import buttons, text_of
from tests.story import home_click, homes, open_home


def without_top(view: dict) -> dict:
    """The Home without its top buttons (New initiative, My calendar: tests/test_home_forms.py): its lists."""
    return {
        **view,
        "blocks": [
            b
            for b in view["blocks"]
            if not (b["type"] == "actions" and any(e.get("action_id") == "new_initiative" for e in b["elements"]))
        ],
    }


def register(slack, title="Plan", approvers="<@UALICE>", sponsor="<@USPONSOR>", owner="UOWNER") -> int:
    reply = slack.command(f"new {title} approvers {approvers} sponsor {sponsor}", user=owner)
    with slack.gl.transaction() as s:
        last = s.scalar(select(Initiative).order_by(Initiative.id.desc()).limit(1))
    assert references(reply["text"]) == [last.reference] and last.title == title, reply
    return last.id


def test_opening_the_home_publishes_what_waits_on_you(slack, fake, clock):
    ini_id = register(slack)
    clock.advance(days=3)  # Thursday: three business days later
    open_home(slack, "UALICE")
    (view,) = homes(fake, "UALICE")
    assert view["type"] == "home"
    _, waiting, owned, sponsored = parts(view)
    assert "*GL-1* Plan" in waiting and mentions(waiting) == ["UOWNER"]  # what, and from whom
    assert "3 business days" in bold(waiting) and days(waiting) == ["Mon 21 Dec 2026"]  # how long, and the deadline
    assert references(owned) == [] and references(sponsored) == []
    assert buttons(without_top(view)) == [("Approve", "approve"), ("Reject", "reject"), ("Snooze", "snooze")]
    elements = [e for b in without_top(view)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {e["value"] for e in elements if e["type"] == "button"} == {str(ini_id)}
    [menu] = [e for e in elements if e["type"] == "overflow"]  # the longer snoozes (tests/test_snooze.py)
    assert {o["value"].split(":")[0] for o in menu["options"]} == {str(ini_id)}


def test_owner_and_sponsor_see_their_initiatives_with_their_buttons(slack, fake, clock):
    register(slack)
    clock.advance(days=1)
    open_home(slack, "UOWNER")
    open_home(slack, "USPONSOR")
    owner, sponsor = homes(fake, "UOWNER")[-1], homes(fake, "USPONSOR")[-1]
    for view, part in ((owner, 2), (sponsor, 3)):  # their own part of the Home: owned, sponsored
        [line] = lines_about(parts(view)[part], "GL-1")
        assert line.startswith("*GL-1* Plan") and mentions(line) == ["UALICE"]
        assert "(1 business day)" in line and days(line) == ["Mon 21 Dec 2026"]
    assert buttons(without_top(owner)) == [("Nudge", "nudge"), ("Extend", "extend"), ("Withdraw", "withdraw")]
    assert buttons(without_top(sponsor)) == [("Proceed and report", "proceed"), ("Extend", "extend")]
    assert references(parts(owner)[1]) == []  # nothing waits on the owner


def test_the_messages_tab_publishes_nothing(slack, fake):
    open_home(slack, "UALICE", tab="messages")
    assert homes(fake, "UALICE") == []


def test_a_change_refreshes_the_homes_of_those_who_opened_theirs(slack, fake, gl):
    ini_id = register(slack)
    open_home(slack, "UOWNER")
    open_home(slack, "UALICE")
    fake.clear()

    home_click(slack, "approve", str(ini_id), "UALICE")

    with gl.transaction() as s:
        assert s.get(Initiative, ini_id).status == "approved"
    alice = homes(fake, "UALICE")[-1]
    notice, waiting, *_ = parts(alice)  # the answer to the click, on top of the Home
    assert references(notice) == ["GL-1"] and status_label("approved") in notice
    assert references(waiting) == [] and buttons(without_top(alice)) == []
    assert references(parts(homes(fake, "UOWNER")[-1])[2]) == []  # the owner's list is empty now
    assert homes(fake, "USPONSOR") == []  # never opened the Home: nothing is published for them
    assert of_kind(gl, slack.dms("UOWNER"), "approved")  # the DMs go out as usual


def test_a_registration_adds_to_the_approvers_open_home(slack, fake):
    open_home(slack, "UBOB")
    assert references(parts(homes(fake, "UBOB")[-1])[1]) == []
    register(slack, approvers="<@UBOB>")
    waiting = parts(homes(fake, "UBOB")[-1])[1]
    assert "*GL-1* Plan" in waiting and mentions(waiting) == ["UOWNER"]


def test_an_outdated_click_on_the_home_says_so_and_changes_nothing(slack, fake, gl):
    ini_id = register(slack, approvers="<@UALICE> <@UBOB>")
    slack.command("withdraw GL-1 no budget", user="UOWNER")
    open_home(slack, "UALICE")
    home_click(slack, "approve", str(ini_id), "UALICE")
    notice = parts(homes(fake, "UALICE")[-1])[0]
    assert references(notice) == ["GL-1"] and status_label("withdrawn") in notice
    with gl.transaction() as s:
        assert [a.decision for a in s.get(Initiative, ini_id).approvals] == ["pending", "pending"]


def test_buttons_that_ask_for_more_open_their_modal_from_the_home(slack, fake):
    ini_id = register(slack)
    open_home(slack, "UOWNER")
    home_click(slack, "extend", str(ini_id), "UOWNER")
    home_click(slack, "reject", str(ini_id), "UALICE")
    assert [c.args["view"]["callback_id"] for c in fake.calls("views.open")] == ["extend_deadline", "reject_reason"]


def test_a_failure_to_publish_never_breaks_the_action(slack, fake, gl):
    ini_id = register(slack)
    open_home(slack, "UALICE")
    fake.fail_next("views.publish", error="internal_error", times=5)
    reply = slack.command("approve GL-1", user="UALICE")
    assert references(reply["text"]) == ["GL-1"] and status_label("approved") in reply["text"]
    with gl.transaction() as s:
        assert s.get(Initiative, ini_id).status == "approved"


def test_opening_the_home_remembers_the_person(slack, gl):
    open_home(slack, "UCAROL")
    with gl.transaction() as s:
        person = s.get(Person, ("T1", "UCAROL"))
        assert person.home_opened_at == gl.clock.now() and person.tz == "Asia/Tokyo"


def test_a_home_with_more_than_a_hundred_blocks_shows_the_oldest_and_how_many_more(slack, fake, gl, clock):
    """120 initiatives wait on Alice: the Home keeps to 100 blocks, oldest first, and says how many are left out."""
    refresh_people(gl, gl.client, "T1", ["UALICE", "USPONSOR"])
    for n in range(120):
        draft = service.Draft(
            title=f"Plan {n + 1}", approver_ids=("UALICE",), sponsor_id="USPONSOR", channel_id="CGENERAL"
        )
        gl.act(
            lambda s, now, draft=draft: service.register(
                s, team_id="T1", owner_id="UOWNER", draft=draft, now=now, default_tz="Europe/Berlin"
            )
        )
        clock.advance(hours=1)
    open_home(slack, "UALICE")
    view = homes(fake, "UALICE")[-1]
    assert len(view["blocks"]) <= 100
    items = [
        b["text"]["text"]
        for b in view["blocks"]
        if b["type"] == "section" and mentions(b["text"]["text"]) == ["UOWNER"]
    ]
    assert items[0].startswith("*GL-1* Plan 1 ") and items[1].startswith("*GL-2* Plan 2 ")
    shown = len(items)
    assert shown >= 40
    [more] = [line for line in text_of(view).split("\n") if line.startswith("…")]
    assert str(120 - shown) in more.split()  # how many are left out
    assert "*GL-120*" not in text_of(view)


def test_mine_lists_the_same_three_things(slack, clock):
    register(slack, title="Hiring plan", approvers="<@UALICE>", sponsor="<@UOWNER>", owner="UBOB")
    register(slack, title="Training", approvers="<@UBOB>", sponsor="<@USPONSOR>")
    clock.advance(days=2)
    waiting, owned, sponsored = (
        section.split("\n", 1)[-1] for section in sections(slack.command("mine", user="UOWNER"))
    )
    assert references(waiting) == []
    assert owned.startswith("*GL-2* Training") and mentions(owned) == ["UBOB"] and "(2 business days)" in owned
    assert days(owned) == ["Mon 21 Dec 2026"]
    assert (
        sponsored.startswith("*GL-1* Hiring plan")
        and mentions(sponsored) == ["UALICE"]
        and "(2 business days)" in sponsored
    )
    waiting = sections(slack.command("mine", user="UBOB"))[0]
    [line] = lines_about(waiting, "GL-2")
    assert "Training" in line and "2 business days" in bold(line) and days(line) == ["Mon 21 Dec 2026"]
