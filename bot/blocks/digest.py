"""A digest: the Greenlight DMs of one person's working day, as their one DM of the day (`/greenlight me digest on`)."""

from __future__ import annotations

from bot.blocks.common import context, message, section
from bot.i18n import tn

MAX_BLOCKS = 50  # Slack's limit for a message


def digest(payloads: list[dict]) -> dict:
    """Several messages to one person in one: each with its own blocks (and buttons), divided, cut at Slack's 50 blocks
    with 'and N more' pointing to the App Home. The notification names each message's first line."""
    count = len(payloads)
    if count == 1:  # the others were withdrawn before it went out
        return payloads[0]
    blocks = [
        section(
            tn(
                "*{n} message from Greenlight*, in one: you asked for at most one DM a day.",
                "*{n} messages from Greenlight*, in one: you asked for at most one DM a day.",
                count,
            )
        )
    ]
    shown = 0
    for payload in payloads:
        item = payload.get("blocks") or [section(payload.get("text") or "")]
        if len(blocks) + 1 + len(item) > MAX_BLOCKS - 1:  # room left for the closing line
            break
        blocks += [{"type": "divider"}, *item]
        shown += 1
    if shown < count:
        blocks.append(
            context(
                tn(
                    "… and {n} more: your App Home lists everything that waits on you.",
                    "… and {n} more: your App Home lists everything that waits on you.",
                    count - shown,
                )
            )
        )
    firsts = "; ".join(p.get("text") or "" for p in payloads)
    return message(
        tn(
            "Your Greenlight digest, {n} message: {firsts}",
            "Your Greenlight digest, {n} messages: {firsts}",
            count,
            firsts=firsts,
        ),
        blocks,
    )


def without_buttons(payload: dict, note: str) -> dict:
    """A message that held several initiatives' buttons, once one of them is spent: its text without any buttons (the
    App Home keeps the others at hand), and a line on what happened."""
    blocks = [b for b in payload.get("blocks") or [] if b["type"] != "actions"]
    return message(payload.get("text") or "", [*blocks[: MAX_BLOCKS - 1], context(note)])
