"""Moving a workspace through time: settings before anything happens, then sweeps on the frozen clock;
and opening the App Home as Slack does."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from itertools import count

from sqlalchemy import func, select

from bot.jobs import sweep
from bot.services.workspaces import workspace
from storage.models import Event, Initiative, OutboxMessage
from tests.facts import of_kind, references
from tests.slack_driver import interaction_body

_events = count(1)


def set_workspace(gl, **values):
    """Workspace settings as an admin would set them, before anything is registered."""
    with gl.transaction() as s:
        ws = workspace(s, "T1", now=gl.clock.now(), default_tz=gl.config.timezone)
        for key, value in values.items():
            setattr(ws, key, value)


def run_for(gl, fake, clock, days: float, step_minutes: int = 60) -> list[tuple]:
    """Sweep every `step_minutes` for `days`; returns (business moment, user, message) of each DM sent."""
    seen, sent = len(fake.calls("chat.postMessage")), []
    for _ in range(int(days * 24 * 60 / step_minutes)):
        clock.advance(minutes=step_minutes)
        sweep(gl)
        calls = fake.calls("chat.postMessage")
        for call in calls[seen:]:
            sent.append((clock.now(), call.args["channel"], call.args))
        seen = len(calls)
    return sent


def open_home(slack, user: str, tab: str = "home") -> None:
    """Slack's app_home_opened event, signed, as when someone opens the app's Home tab."""
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": slack.team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{next(_events)}",
            "event_time": 1,
            "authorizations": [{"team_id": slack.team, "user_id": "UBOT", "is_bot": True}],
            "event": {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": tab, "event_ts": "1.0"},
        }
    )
    slack.dispatch(body, "application/json")


def home_click(slack, action_id: str, value: str, user: str) -> None:
    """A button clicked on the Home tab, signed, as Slack sends it: no response_url there, the view is the container
    (the answer shows on top of the republished Home)."""
    payload = {
        "type": "block_actions",
        "team": {"id": slack.team},
        "user": {"id": user, "team_id": slack.team},
        "api_app_id": "A1",
        "trigger_id": f"trigger-home-{next(_events)}",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": []},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
    }
    slack.dispatch(interaction_body(payload))


def homes(fake, user: str) -> list[dict]:
    """Every Home view published to this person, oldest first."""
    return [c.args["view"] for c in fake.calls("views.publish") if c.args.get("user_id") == user]


ESCALATING = "new Vendor switch approvers <@UALICE|a> <@UBOB|b> sponsor <@USPONSOR|s> by 2026-12-11"


def status(gl, number=1):
    """The status of GL-<number> as stored."""
    with gl.transaction() as s:
        return s.scalar(select(Initiative.status).where(Initiative.number == number))


def escalate(slack, gl, fake, clock, text=ESCALATING):
    """Register GL-1 and let its deadline pass: a week on, the sponsor has been asked to decide."""
    assert references(slack.command(text)["text"]) == ["GL-1"]
    run_for(gl, fake, clock, days=7)  # to Monday 14 December 10:00 in Berlin: the sponsor is at work
    assert status(gl) == "escalated"


def proceeded_and_reported(slack, gl, fake, clock):
    """GL-1: Alice approves on Tuesday, Bob never answers, the sponsor proceeds, the owner reports."""
    clock.advance(days=1)  # Tuesday 8 December, 10:00 Berlin: still before the deadline
    slack.command(ESCALATING + " in <#CGENERAL>")
    clock.advance(hours=3)
    slack.command("approve GL-1 fine by me", user="UALICE")

    run_for(gl, fake, clock, days=6)  # to Monday 14 December 13:00 Berlin: escalated on Saturday 00:00
    slack.command("proceed GL-1 we go ahead", user="USPONSOR")
    clock.advance(days=2)
    slack.command("report GL-1 it went well", user="UOWNER")


def counts(gl):
    """Rows a refused action must not add: events and outgoing messages."""
    with gl.transaction() as s:
        return s.scalar(select(func.count(Event.id))), s.scalar(select(func.count(OutboxMessage.id)))


def database_is_free(gl) -> bool:
    """No connection of the app's is checked out, and (SQLite) another writer gets the lock without waiting."""
    free = gl.engine.pool.checkedout() == 0
    if gl.engine.dialect.name == "sqlite":
        other = sqlite3.connect(gl.engine.url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError:  # "database is locked": a write transaction is open
            free = False
        finally:
            other.close()
    return free


# Wednesday 9 December 2026, 10:30 in Berlin: the first nudge of everything registered on Monday is due.
FIRST_NUDGES_DUE = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)


def register_plans(slack, count: int, approvers=("UALICE", "UOTHER")) -> None:
    """`count` initiatives registered through the command, each with these approvers."""
    who = " ".join(f"<@{u}|{u[1:].lower()}>" for u in approvers)
    for i in range(count):
        reply = slack.command(f"new Plan {i} approvers {who} sponsor <@USPONSOR|sponsor>")
        assert reply["text"].startswith("Registered"), reply


def reply_in_thread(slack, user: str, channel: str, thread_ts: str, text: str) -> None:
    """Slack's `message` event (message.mpim), signed, as when someone replies in a thread of a group DM."""
    message = {"type": "message", "user": user, "text": text, "ts": f"{next(_events)}.5", "thread_ts": thread_ts}
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": slack.team,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{next(_events)}",
            "event_time": 1,
            "authorizations": [{"team_id": slack.team, "user_id": "UBOT", "is_bot": True}],
            "event": {**message, "channel": channel, "channel_type": "mpim", "event_ts": message["ts"]},
        }
    )
    slack.dispatch(body, "application/json")


def register_rollout(
    slack, gl, text="new Rollout approvers <@UALICE|a> <@UBOB|b> <@UCAROL|c> sponsor <@USPONSOR|s> by 2027-01-08"
):
    """GL-1 'Rollout', three approvers in Berlin, Los Angeles and Tokyo, due 8 January 2027."""
    reply = slack.command(text)
    assert references(reply["text"]) == ["GL-1"], reply
    return reply


def nudges_in(gl, sent, user):
    """(moment, message) of each scheduled nudge, the last call included, that reached this user."""
    nudges = of_kind(gl, [m for _, channel, m in sent if channel == user], "nudge", "lastcall")
    return [(at, m) for at, channel, m in sent if channel == user and any(m is n for n in nudges)]
