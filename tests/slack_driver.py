"""Drives the Bolt app with real signed requests, the way Slack does, and reads the replies back."""

from __future__ import annotations

import json
import time
from itertools import count
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.slack_app import build_app

TEAM = "T1"
_ids = count(1)


def signed_headers(body: str, secret: str, content_type: str) -> dict:
    """Headers of a request signed with the real signing secret, timestamped now."""
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"content-type": [content_type], "x-slack-request-timestamp": [timestamp], "x-slack-signature": [signature]}


def command_body(text: str, user: str, channel: str, response_url: str, team: str = TEAM) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": team,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "x",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/greenlight",
            "text": text,
            "response_url": response_url,
            "trigger_id": f"trigger-{next(_ids)}",
            "api_app_id": "A1",
        }
    )


def click_payload(
    action_id: str, value: str, user: str, response_url: str, team: str = TEAM, message: dict | None = None
) -> dict:
    """A button click in the user's DM with the bot, as Slack posts it (block_actions)."""
    return {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A1",
        "trigger_id": f"trigger-{next(_ids)}",
        "response_url": response_url,
        "container": {"type": "message"},
        "channel": {"id": "D" + user},
        "message": message or {"ts": "1.0"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}],
    }


def interaction_body(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


class SlackDriver:
    """Signed slash commands, button clicks and view submissions against an in-process Bolt app."""

    def __init__(self, gl, fake, secret: str, team: str = TEAM):
        self.gl, self.fake, self.secret, self.team = gl, fake, secret, team
        self.app = build_app(gl, process_before_response=True)

    def dispatch(self, body: str, content_type: str = "application/x-www-form-urlencoded", **headers: str):
        """Send one signed request (with extra `headers`, e.g. x-slack-retry-num); then deliver what it queued,
        standing in for the delivery worker (gl.deliver_soon() wakes it in a running app), so a test sees the
        DMs right after a command."""
        signed = signed_headers(body, self.secret, content_type)
        response = self.app.dispatch(BoltRequest(body=body, headers={**signed, **{k: [v] for k, v in headers.items()}}))
        assert response.status == 200, response.body
        self.gl.deliver()
        return response

    def command(self, text: str, user: str = "UOWNER", channel: str = "CGENERAL", team: str | None = None) -> dict:
        """Run /greenlight <text>; returns the ephemeral reply sent to the response_url."""
        name = f"cmd-{next(_ids)}"
        self.dispatch(command_body(text, user, channel, self.fake.response_url(name), team or self.team))
        return self.reply(name)

    def click(
        self, action_id: str, value: str, user: str, *, team: str | None = None, message: dict | None = None
    ) -> dict | None:
        """Click a button; returns the ephemeral reply, if any."""
        name = f"click-{next(_ids)}"
        payload = click_payload(action_id, value, user, self.fake.response_url(name), team or self.team, message)
        self.dispatch(interaction_body(payload))
        return self.reply(name, required=False)

    def submit(self, view: dict, values: dict, user: str, team: str | None = None):
        """Submit a modal the app opened, with {block_id: value} typed in; returns Bolt's response."""
        state = {
            block: {block: value if isinstance(value, dict) else {"type": "plain_text_input", "value": value}}
            for block, value in values.items()
        }
        payload = {
            "type": "view_submission",
            "team": {"id": team or self.team},
            "user": {"id": user, "team_id": team or self.team},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{next(_ids)}",
            "view": {**view, "id": "V1", "state": {"values": state}},
        }
        return self.dispatch(interaction_body(payload))

    def reply(self, name: str, required: bool = True) -> dict | None:
        calls = [c.args for c in self.fake.calls("response_url") if c.args.get("_name") == name]
        if required:
            assert len(calls) == 1, f"expected one reply to {name}, got {calls}"
        return calls[-1] if calls else None

    def dms(self, user: str) -> list[dict]:
        """Every message posted to this user's DM, in order."""
        return [c.args for c in self.fake.calls("chat.postMessage") if c.args.get("channel") in (user, "D" + user)]

    def posts(self, channel: str) -> list[dict]:
        return [c.args for c in self.fake.calls("chat.postMessage") if c.args.get("channel") == channel]


def text_of(message: dict) -> str:
    """All the text a person would read in a message or view: fallback text and every block."""
    parts = [message.get("text") or ""]

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)


def buttons(message: dict) -> list[tuple[str, str]]:
    """(label, action_id) of every button in a message."""
    return [
        (e["text"]["text"], e["action_id"])
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]
