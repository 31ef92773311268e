"""The reply to `/greenlight settings`: each setting, its value and what it does."""

from __future__ import annotations

from bot.blocks.common import context, header, section
from bot.blocks.initiatives import HISTORY_PACK, day_and_time
from bot.i18n import t, tn
from bot.text import mention

MAX_SECTIONS = 47  # Slack's 50 blocks, less the header, the context and one spare


def settings_blocks(rows, can_change: bool) -> list[dict]:
    """One line per setting: `key` value, and what it sets; then how to change one."""
    # each meaning is in the catalog too (bot/locales/update.py reads it from settings.toml)
    lines = [f"`{s.key}` *{value}*: {t(s.meaning)}" for s, value in rows]
    how = [
        t(
            "Change one with `/greenlight settings <key> <value>`, for example "
            "`/greenlight settings working-hours 08:30-16:30`."
        )
    ]
    if not can_change:
        how.append(t("Only workspace admins and owners can change them."))
    how.append(t("`/greenlight settings history` shows who changed what."))
    return [header(t("Greenlight settings for this workspace")), section("\n".join(lines)), context(" ".join(how))]


def settings_history_blocks(changes, tz) -> list[dict]:
    """`/greenlight settings history`: newest first, who changed which setting when, from what to what."""
    lines = [
        f"{day_and_time(at.astimezone(tz))} · "
        + t(
            "{who} changed `{key}` from *{old}* to *{new}*",
            who=mention(actor) if actor else "Greenlight",
            key=key,
            old=old,
            new=new,
        )
        for at, actor, key, old, new in changes
    ]
    if not lines:
        return [
            header(t("Settings history")),
            section(t("No setting has been changed yet: all are as installed.")),
        ]
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
    left = len(lines) - shown
    more = [context(tn("… and {n} older change.", "… and {n} older changes.", left))] if left else []
    return [header(t("Settings history"))] + blocks + more
