"""The reply to `/greenlight settings`: each setting, its value and what it does."""

from __future__ import annotations

from bot.blocks.common import context, header, section
from bot.blocks.initiatives import HISTORY_PACK, day
from bot.text import mention

MAX_SECTIONS = 47  # Slack's 50 blocks, less the header, the context and one spare


def settings_blocks(rows, can_change: bool) -> list[dict]:
    """One line per setting: `key` value, and what it sets; then how to change one."""
    lines = [f"`{s.key}` *{value}*: {s.meaning}" for s, value in rows]
    how = (
        "Change one with `/greenlight settings <key> <value>`, for example "
        "`/greenlight settings working-hours 08:30-16:30`."
    )
    if not can_change:
        how += " Only workspace admins and owners can change them."
    how += " `/greenlight settings history` shows who changed what."
    return [header("Greenlight settings for this workspace"), section("\n".join(lines)), context(how)]


def settings_history_blocks(changes, tz) -> list[dict]:
    """`/greenlight settings history`: newest first, who changed which setting when, from what to what."""
    lines = [
        f"{day(at.astimezone(tz).date())} {at.astimezone(tz):%H:%M} · {mention(actor) if actor else 'Greenlight'} "
        f"changed `{key}` from *{old}* to *{new}*"
        for at, actor, key, old, new in changes
    ]
    if not lines:
        return [header("Settings history"), section("No setting has been changed yet: all are as installed.")]
    blocks, chunk, shown = [], [], 0
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > HISTORY_PACK:
            if len(blocks) + 1 == MAX_SECTIONS:
                break
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
        shown += 1
    blocks.append(section("\n".join(chunk)))
    more = [context(f"… and {len(lines) - shown} older changes.")] if shown < len(lines) else []
    return [header("Settings history")] + blocks + more
