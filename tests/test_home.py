"""The App Home: published when opened, refreshed after changes, its buttons acting like the DMs' ones."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import count

import pytest
from sqlalchemy import select

from bot.people import refresh_people
from bot.services import initiatives as service
from storage.models import Initiative, Person
from tests.slack_driver import buttons, interaction_body, text_of

_events = count(1)




def open_home(slack, user: str, tab: str = "home") -> None:
    """Slack's app_home_opened event, signed, as when someone opens the app's Home tab."""
    body = json.dumps({
        "token": "legacy", "team_id": slack.team, "api_app_id": "A1", "type": "event_callback",
        "event_id": f"Ev{next(_events)}", "event_time": 1, "authorizations": [{"team_id": slack.team, "user_id": "UBOT", "is_bot": True}],
        "event": {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": tab, "event_ts": "1.0"},
    })
    slack.dispatch(body, "application/json")


def home_click(slack, action_id: str, value: str, user: str) -> None:
    """A button clicked on the Home tab: no response_url there, the view is the container."""
    payload = {
        "type": "block_actions", "team": {"id": slack.team}, "user": {"id": user, "team_id": slack.team},
        "api_app_id": "A1", "trigger_id": f"trigger-home-{next(_events)}",
        "container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home", "blocks": []},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
    }
    slack.dispatch(interaction_body(payload))


def homes(fake, user: str) -> list[dict]:
    """Every Home view published to this person, oldest first."""
    return [c.args["view"] for c in fake.calls("views.publish") if c.args.get("user_id") == user]


def register(slack, title="Plan", approvers="<@UALICE>", sponsor="<@USPONSOR>", owner="UOWNER") -> int:
    reply = slack.command(f"new {title} approvers {approvers} sponsor {sponsor}", user=owner)
    assert "Registered" in reply["text"], reply
    with slack.gl.transaction() as s:
        return s.scalar(select(Initiative.id).order_by(Initiative.id.desc()).limit(1))


def test_opening_the_home_publishes_what_waits_on_you(slack, fake, clock):
    ini_id = register(slack)
    clock.advance(days=3)  # Thursday: three business days later
    open_home(slack, "UALICE")
    (view,) = homes(fake, "UALICE")
    assert view["type"] == "home"
    text = text_of(view)
    assert "Waiting on you" in text and "*GL-1* Plan from <@UOWNER>" in text
    assert "Waiting on you for *3 business days* · deadline Mon 21 Dec 2026" in text
    assert "You own no open initiative" in text and "You sponsor no open initiative" in text
    assert buttons(view) == [("Approve", "approve"), ("Reject", "reject"), ("Snooze", "snooze")]
    assert {e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]} == {str(ini_id)}


def test_owner_and_sponsor_see_their_initiatives_with_their_buttons(slack, fake, clock):
    register(slack)
    clock.advance(days=1)
    open_home(slack, "UOWNER")
    open_home(slack, "USPONSOR")
    owner, sponsor = homes(fake, "UOWNER")[-1], homes(fake, "USPONSOR")[-1]
    for view in (owner, sponsor):
        assert "*GL-1* Plan: pending <@UALICE> (1 business day) · deadline Mon 21 Dec 2026" in text_of(view)
    assert buttons(owner) == [("Nudge", "nudge"), ("Extend", "extend"), ("Withdraw", "withdraw")]
    assert buttons(sponsor) == [("Proceed and report", "proceed"), ("Extend", "extend")]
    assert "Nothing waits on you." in text_of(owner)


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
    assert "Thanks: GL-1 is now approved." in text_of(alice)  # the answer to the click, on top of the Home
    assert "Nothing waits on you." in text_of(alice) and buttons(alice) == []
    assert "You own no open initiative" in text_of(homes(fake, "UOWNER")[-1])
    assert homes(fake, "USPONSOR") == []  # never opened the Home: nothing is published for them
    assert any("*approved*" in text_of(m) for m in slack.dms("UOWNER"))  # the DMs go out as usual


def test_a_registration_adds_to_the_approvers_open_home(slack, fake):
    open_home(slack, "UBOB")
    assert "Nothing waits on you." in text_of(homes(fake, "UBOB")[-1])
    register(slack, approvers="<@UBOB>")
    assert "*GL-1* Plan from <@UOWNER>" in text_of(homes(fake, "UBOB")[-1])


def test_an_outdated_click_on_the_home_says_so_and_changes_nothing(slack, fake, gl):
    ini_id = register(slack, approvers="<@UALICE> <@UBOB>")
    slack.command("withdraw GL-1 no budget", user="UOWNER")
    open_home(slack, "UALICE")
    home_click(slack, "approve", str(ini_id), "UALICE")
    assert "GL-1 is already withdrawn" in text_of(homes(fake, "UALICE")[-1])
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
    assert reply["text"] == "Thanks: GL-1 is now approved."
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
        draft = service.Draft(title=f"Plan {n + 1}", approver_ids=("UALICE",), sponsor_id="USPONSOR", channel_id="CGENERAL")
        gl.act(lambda s, now: service.register(s, team_id="T1", owner_id="UOWNER", draft=draft, now=now,
                                               default_tz="Europe/Berlin"))
        clock.advance(hours=1)
    open_home(slack, "UALICE")
    view = homes(fake, "UALICE")[-1]
    assert len(view["blocks"]) <= 100
    items = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section" and "from <@UOWNER>" in b["text"]["text"]]
    assert items[0].startswith("*GL-1* Plan 1 ") and items[1].startswith("*GL-2* Plan 2 ")
    shown = len(items)
    assert shown >= 40
    assert f"… and {120 - shown} more (the newest)." in text_of(view)
    assert "*GL-120*" not in text_of(view)


def test_mine_lists_the_same_three_things(slack, clock):
    register(slack, title="Hiring plan", approvers="<@UALICE>", sponsor="<@UOWNER>", owner="UBOB")
    register(slack, title="Training", approvers="<@UBOB>", sponsor="<@USPONSOR>")
    clock.advance(days=2)
    text = text_of(slack.command("mine", user="UOWNER"))
    assert "*Waiting on you*\nNothing waits on you." in text
    assert "*GL-2* Training: pending <@UBOB> (2 business days) · deadline Mon 21 Dec 2026" in text
    assert "*You sponsor*\n*GL-1* Hiring plan: pending <@UALICE> (2 business days)" in text
    text = text_of(slack.command("mine", user="UBOB"))
    assert "*GL-2* Training: waiting on you for *2 business days* · deadline Mon 21 Dec 2026" in text
