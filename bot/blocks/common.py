"""Small Block Kit pieces every builder uses."""

from __future__ import annotations

from bot.blocks.ids import Action
from bot.i18n import t
from bot.text import truncate

SECTION_LIMIT = 3000
HEADER_LIMIT = 150


def section(text: str) -> dict:
    """A mrkdwn section, cut to Slack's 3,000 characters."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def header(text: str) -> dict:
    """A header, cut to Slack's 150 characters."""
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, HEADER_LIMIT), "emoji": True}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}]}


def button(label: str, action: Action, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    """A button whose action_id is the Action and whose value names the initiative; `confirm` asks first."""
    element = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(label, 75)},
        "action_id": action.value,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirmation(title: str, text: str, yes: str, style: str = "primary") -> dict:
    """Slack's confirmation dialog: what the click will do, asked before it acts (cut to Slack's limits)."""
    return {
        "title": {"type": "plain_text", "text": truncate(title, 100)},
        "text": {"type": "mrkdwn", "text": truncate(text, 300)},
        "confirm": {"type": "plain_text", "text": truncate(yes, 30)},
        "deny": {"type": "plain_text", "text": truncate(t("Cancel"), 30)},
        "style": style,
    }


def actions(*buttons: dict) -> dict:
    return {"type": "actions", "elements": list(buttons)}


def message(text: str, blocks: list[dict] | None = None) -> dict:
    """A chat.postMessage payload: fallback text plus blocks."""
    payload = {"text": truncate(text, 40000)}
    if blocks:
        payload["blocks"] = blocks
    return payload
