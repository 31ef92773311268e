"""What manifest.yml asks of Slack, read from the file itself: it is the one list of the bot's scopes."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


@cache
def bot_scopes() -> tuple[str, ...]:
    """The bot scopes under oauth_config → scopes → bot, in the manifest's order (the install URL asks for these)."""
    text = MANIFEST.read_text()
    block = text.split("    bot:\n", 1)[1].split("settings:", 1)[0]
    return tuple(re.findall(r"^\s+- (\S+)$", block, re.MULTILINE))
