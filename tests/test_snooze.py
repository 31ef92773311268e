"""Snooze that means something (SPEC §4): `/greenlight snooze GL-12 [N days | until YYYY-MM-DD]`, in the approver's
own calendar, never past their last call; the waiting clock keeps running and `show` says until when."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import Approval
from tests.facts import days, references
from tests.slack_driver import interaction_body, text_of

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


def choose(slack, user: str, value: str, message: dict | None = None) -> None:
    """The Snooze menu beside the buttons (an overflow menu), as Slack posts a choice from it."""
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
    slack.dispatch(interaction_body(payload))


def test_the_snooze_menu_offers_three_business_days_and_next_week(slack, gl, fake):
    slack.command(NEW)  # Monday 7 December
    [request] = [c.args for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]
    menu = [e for b in request["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow"]
    assert [o["text"]["text"] for o in menu[0]["options"]] == ["Snooze for 3 business days", "Snooze until next week"]
    choose(slack, "UALICE", "1:3", request)
    assert snoozed_until(gl).isoformat().startswith("2026-12-10T09:00")
    reply = slack.reply("menu")
    assert reply["replace_original"] is True and "Thu 10 Dec 2026" in days(reply["text"])
    choose(slack, "UALICE", "1:week")
    assert snoozed_until(gl).isoformat().startswith("2026-12-14T09:00")  # Monday of next week
