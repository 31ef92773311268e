"""The facts a Slack message carries, read out of its text: who is mentioned, which initiative, which dates.

Tests assert on these rather than on whole sentences where the wording is not the point, so that
rewording or translating the copy does not break them (STYLE.md: "Tests check facts, not sentences").
`sent_as` and `of_kind` tell which logical message a delivered one was, by its outbox key ("nudge:41:3" →
"nudge"), so tests pick "the nudge" or "the report reminder" out of a DM channel without matching its words.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from bot.blocks.initiatives import STATUS_LABEL
from storage.models import OutboxMessage

DAY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}\b")
HISTORY_LINE = re.compile(rf"^({DAY.pattern} \d\d:\d\d) · ")


def mentions(text: str) -> list[str]:
    """User ids mentioned (<@U…>), in order of appearance."""
    return re.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)


def channels(text: str) -> list[str]:
    """Channel ids linked (<#C…>), in order of appearance."""
    return re.findall(r"<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>", text)


def references(text: str) -> list[str]:
    """Initiative references (GL-12), in order of appearance."""
    return re.findall(r"\bGL-\d+\b", text)


def days(text: str) -> list[str]:
    """Dates as the bot writes them ("Wed 16 Dec 2026"), in order of appearance."""
    return DAY.findall(text)


def bold(text: str) -> list[str]:
    """Segments in *bold*: what a message stresses (a reference, a wait, a status)."""
    return re.findall(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", text)


def _fingerprint(message: dict) -> tuple[str, str]:
    return message.get("text") or "", json.dumps(message.get("blocks") or [], sort_keys=True)


def outbox_kinds(gl) -> dict[tuple[str, str], set[str]]:
    """Every outbox message's content -> its kinds (the outbox key's first part: "nudge", "lastcall", "request"…).

    One content can be several kinds: the report posted in the channel and DMed to each person reads the same."""
    found: dict[tuple[str, str], set[str]] = {}
    with gl.transaction() as s:
        for key, payload in s.execute(select(OutboxMessage.key, OutboxMessage.payload)):
            found.setdefault(_fingerprint(payload), set()).add(key.split(":")[0])
    return found


def sent_as(gl, message: dict) -> set[str]:
    """The kinds of logical message this delivered one was ({"nudge"}, {"manual"}, {"escalation"}…); empty if none."""
    return outbox_kinds(gl).get(_fingerprint(message), set())


def of_kind(gl, messages: list[dict], *kinds: str) -> list[dict]:
    """The messages that were sent as one of these kinds, in order."""
    known = outbox_kinds(gl)
    return [m for m in messages if known.get(_fingerprint(m), set()) & set(kinds)]


def status_label(status: str) -> str:
    """How messages name an initiative's status ("withdrawn", "open, waiting for sign-off"): the bot's own label."""
    return STATUS_LABEL[status]


def history(story: str) -> list[tuple[str, list[str]]]:
    """The history of `/greenlight show`: (moment as written, people mentioned) for each line, oldest first."""
    return [(m.group(1), mentions(line)) for line in story.split("\n") if (m := HISTORY_LINE.match(line))]


def without_history(story: str) -> str:
    """`/greenlight show` without its history lines: the state as it is now."""
    return "\n".join(line for line in story.split("\n") if not HISTORY_LINE.match(line))


def lines_about(text: str, needle: str) -> list[str]:
    """The lines that mention this user (<@U…>) or name this initiative (GL-n)."""
    return [line for line in text.split("\n") if needle in mentions(line) or needle in references(line)]


def sections(message: dict) -> list[str]:
    """The mrkdwn of each section block, in order: a message's parts without their headings' wording."""
    return [b["text"]["text"] for b in message.get("blocks") or [] if b["type"] == "section" and "text" in b]


def parts(view: dict) -> list[str]:
    """A message or view cut at its header blocks: [what comes before the first header, then each part's sections].

    The App Home reads [notice, waiting on you, your initiatives, you sponsor] whatever its headings say."""
    found = [[]]
    for block in view.get("blocks") or []:
        if block["type"] == "header":
            found.append([])
        elif block["type"] == "section" and "text" in block:
            found[-1].append(block["text"]["text"])
    return ["\n".join(texts) for texts in found]


def live_buttons(gl) -> list[tuple[str, str]]:
    """(recipient, outbox key) of every delivered message that still shows buttons: sent with an actions block and
    not replaced since by a delivered chat.update."""
    with gl.transaction() as s:
        rows = s.execute(
            select(
                OutboxMessage.recipient,
                OutboxMessage.key,
                OutboxMessage.payload,
                OutboxMessage.method,
                OutboxMessage.target_key,
                OutboxMessage.status,
            )
        ).all()
    replaced = {
        target
        for _, _, payload, method, target, status in rows
        if method == "chat.update"
        and status == "sent"
        and not any(b["type"] == "actions" for b in payload.get("blocks") or [])
    }
    return [
        (recipient, key)
        for recipient, key, payload, method, _, status in rows
        if method == "chat.postMessage"
        and status == "sent"
        and key not in replaced
        and any(b["type"] == "actions" for b in payload.get("blocks") or [])
    ]
