"""The reply to `/greenlight settings`: each setting, its value and what it does."""
from __future__ import annotations

from bot.blocks.common import context, header, section


def settings_blocks(rows, can_change: bool) -> list[dict]:
    """One line per setting: `key` value, and what it sets; then how to change one."""
    lines = [f"`{s.key}` *{value}*: {s.meaning}" for s, value in rows]
    how = ("Change one with `/greenlight settings <key> <value>`, for example "
           "`/greenlight settings working-hours 08:30-16:30`.")
    if not can_change:
        how += " Only workspace admins and owners can change them."
    return [header("Greenlight settings for this workspace"), section("\n".join(lines)), context(how)]
