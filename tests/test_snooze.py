"""Snooze that means something (SPEC §4): `/greenlight snooze GL-12 [N days | until YYYY-MM-DD]`, in the approver's
own calendar, never past their last call; the waiting clock keeps running and `show` says until when."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval
from tests.facts import days, parts, references
from tests.slack_driver import buttons, interaction_body, text_of
from tests.story import homes, open_home

NEW = "new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-23"


def snoozed_until(gl):
    with gl.transaction() as s:
        return s.scalar(select(Approval.snoozed_until)).astimezone(zone("Europe/Berlin"))


def test_snooze_for_days_or_until_a_date_and_show_tells_until_when(slack, gl, clock):
    slack.command(NEW)  # Monday 7 December
    reply = slack.command("snooze GL-1 3 days", user="UALICE")["text"]
    assert references(reply) == ["GL-1"] and "Thu 10 Dec 2026" in days(reply)
    assert snoozed_until(gl).isoformat().startswith("2026-12-10T09:00")
    shown = text_of(slack.command("show GL-1", user="UALICE"))
    assert "snoozed until" in shown and "Thu 10 Dec 2026 09:00" in shown
    assert "pending for" in shown  # the waiting clock keeps running

    slack.command("snooze GL-1 until 2026-12-14", user="UALICE")
    assert snoozed_until(gl).isoformat().startswith("2026-12-14T09:00")
    assert "not in the future" in slack.command("snooze GL-1 until 2026-12-07", user="UALICE")["text"]
    assert "Usage" in slack.command("snooze GL-1 forever", user="UALICE")["text"]
    assert "Only the approvers" in slack.command("snooze GL-1", user="UOTHER")["text"]


def test_snooze_never_passes_the_last_call(slack, gl, clock):
    slack.command(NEW)  # the deadline is Wednesday 23 December: the last call on Tuesday 22 at 09:00
    reply = slack.command("snooze GL-1 until 2027-01-04", user="UALICE")["text"]
    assert "last call" in reply and "Tue 22 Dec 2026 at 09:00" in reply
    assert snoozed_until(gl).isoformat().startswith("2026-12-22T09:00")
    with gl.transaction() as s:
        nxt = s.scalar(select(Approval.next_nudge_at)).astimezone(zone("Europe/Berlin"))
    assert nxt.isoformat().startswith("2026-12-22T09:00")  # the last call still comes
    assert clock.now() < datetime(2026, 12, 22, tzinfo=UTC)


def menus(message: dict) -> list[dict]:
    """The overflow menus of a message or view."""
    return [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow"]


def choose(slack, user: str, value: str, message: dict | None = None, *, on_home: bool = False) -> None:
    """The Snooze menu beside the buttons (an overflow menu), as Slack posts a choice from it: in a DM, or on the
    App Home (no response_url there, the view is the container)."""
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team},
        "user": {"id": user, "team_id": slack.team},
        "api_app_id": "A1",
        "trigger_id": "trigger-snooze-menu",
        "response_url": slack.fake.response_url("menu"),
        "container": {"type": "message"},
        "channel": {"id": "D" + user},
        "message": message or {"ts": "1.0"},
        "actions": [
            {
                "type": "overflow",
                "action_id": "snooze_for",
                "block_id": "b",
                "action_ts": "1",
                "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value},
            }
        ],
    }
    if on_home:
        del payload["response_url"], payload["channel"], payload["message"]
        payload |= {"container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"}}
    slack.dispatch(interaction_body(payload))


def test_the_snooze_menu_offers_three_business_days_and_next_week(slack, gl, fake):
    slack.command(NEW)  # Monday 7 December
    [request] = [c.args for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]
    menu = menus(request)
    assert [o["text"]["text"] for o in menu[0]["options"]] == ["Snooze for 3 business days", "Snooze until next week"]
    choose(slack, "UALICE", "1:3", request)
    assert snoozed_until(gl).isoformat().startswith("2026-12-10T09:00")
    reply = slack.reply("menu")
    assert reply["replace_original"] is True and "Thu 10 Dec 2026" in days(reply["text"])
    choose(slack, "UALICE", "1:week")
    assert snoozed_until(gl).isoformat().startswith("2026-12-14T09:00")  # Monday of next week


def test_the_app_home_offers_the_same_snooze_menu(slack, gl, fake):
    slack.command(NEW)  # Monday 7 December; the deadline Wednesday 23: the last call on Tuesday 22 at 09:00
    [request] = [c.args for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]
    open_home(slack, "UALICE")
    home = homes(fake, "UALICE")[-1]
    [in_dm], [on_home] = menus(request), menus(home)
    assert on_home["options"] == in_dm["options"]  # the same choices, for the same initiative
    assert ("Snooze", "snooze") in buttons(home)  # until tomorrow

    choose(slack, "UALICE", on_home["options"][1]["value"], on_home=True)  # until next week, from the Home
    assert snoozed_until(gl).isoformat().startswith("2026-12-14T09:00")
    notice = parts(homes(fake, "UALICE")[-1])[0]  # the answer on top of the republished Home
    assert references(notice) == ["GL-1"] and "Mon 14 Dec 2026" in days(notice)
