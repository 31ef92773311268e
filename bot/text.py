"""User text in and out of Slack: readable plain text in storage, escaped mrkdwn on the way out."""

from __future__ import annotations

import html
import re

from bot.i18n import t

_ENTITY = re.compile(r"<([^<>]*)>")
# A Slack id is a letter and up to 20 more; bounded so that a 40,000-character "id" is not one.
MENTION = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|[^<>]*)?>")
CHANNEL = re.compile(r"<#([CG][A-Z0-9]{1,20})(?:\|[^<>]*)?>")
GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]{1,20})(?:\|[^<>]*)?>")  # a Slack user group, as a command escapes it


def _readable(match: re.Match) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        # <!channel>, <!here>, <!subteam^S1|@team>, <!date^…|fallback>: keep only harmless text
        name = label or target[1:].split("^")[0]
        return name if name.startswith("@") else "@" + name
    return label or target


def plain_from_slack(text: str) -> str:
    """Turn Slack-escaped command text into what the person typed, with mentions as plain words."""
    return html.unescape(_ENTITY.sub(_readable, text)).strip()


def escape(text: str) -> str:
    """Escape user text for mrkdwn so it can never ping, fake a mention or inject a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """A person (U…, W…) or a user group (S…), as Slack shows them."""
    return f"<!subteam^{user_id}>" if user_id[:1] == "S" else f"<@{user_id}>"


def is_group(approver_id: str) -> bool:
    return approver_id[:1] == "S"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_names(text: str, names: dict[str, str]) -> str:
    """Mentions written as '@name' (the id where the name is unknown): for places Slack shows as plain text."""
    return MENTION.sub(lambda m: "@" + (names.get(m.group(1)) or m.group(1)), text)


EXCERPT = 40  # characters of a person's input quoted back in an error: enough to recognise it, never a wall


def quoted(text: str, *, code: bool = False) -> str:
    """A person's (plain) input quoted back in a reply: escaped, cut to a short excerpt, in quotes or as code."""
    cut = escape(truncate(text, EXCERPT))
    # Translators: someone's own words quoted back; use your language's quotation marks
    return f"`{cut}`" if code else t("“{text}”", text=cut)
