"""Slash-command text → a typed request. Pure parsing, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.text import CHANNEL, MENTION, plain_from_slack, quoted

USAGE = {
    "help": "/greenlight help",
    "new": "/greenlight new <title> approvers @a [@b …] sponsor @s [by YYYY-MM-DD | in N days] [rule all|any] [in #channel]",
    "list": "/greenlight list [stalled|escalated|proceeding|mine|#channel] [page N]",
    "mine": "/greenlight mine [page N]",
    "show": "/greenlight show GL-12 [history]",
    "approve": "/greenlight approve GL-12 [comment]",
    "reject": "/greenlight reject GL-12 <reason>",
    "nudge": "/greenlight nudge GL-12",
    "extend": "/greenlight extend GL-12 <by YYYY-MM-DD | in N days>",
    "proceed": "/greenlight proceed GL-12 [note]",
    "report": "/greenlight report GL-12 <text>",
    "withdraw": "/greenlight withdraw GL-12 [reason]",
    "summary": "/greenlight summary",
    "settings": "/greenlight settings [<key> <value> | history]",
    "me": "/greenlight me [<key> <value>]  (working-hours, working-days, holidays, digest on|off)",
    "snooze": "/greenlight snooze GL-12 [N days | until YYYY-MM-DD]",
    "export": "/greenlight export [csv|json] [mine|all]",
    "stats": "/greenlight stats [30|90|365]",
}
EXPORT_FORMATS = ("csv", "json")
EXPORT_SCOPES = ("mine", "all")
STATS_DAYS = (30, 90, 365)

_REF = re.compile(r"^(?:gl-?)?([0-9]{1,9})$", re.IGNORECASE)


class ParseError(Exception):
    """Text that is not a valid command; the message says what is wrong and how to do it right."""


@dataclass(frozen=True)
class Due:
    """A deadline as typed: a calendar date, or a number of business days from today."""

    on: date | None = None
    business_days: int | None = None


@dataclass(frozen=True)
class Draft:
    """An initiative someone asked to register, from the text form or the modal."""

    title: str
    approver_ids: tuple[str, ...]
    sponsor_id: str | None
    due: Due | None = None
    rule: str = "all"
    channel_id: str | None = None
    details: str = ""


@dataclass(frozen=True)
class Command:
    name: str
    ref: int | None = None
    text: str = ""  # comment, reason, note, report text (plain, unescaped)
    due: Due | None = None
    key: str = ""  # settings key
    value: str = ""  # settings value as typed (Slack-escaped)
    draft: Draft | None = None  # `new` with text
    show: str = "all"  # `list`: which initiatives (all, stalled, escalated, proceeding, mine)
    channel_id: str | None = None  # `list #channel`
    page: int = 1  # `list` and `mine`


def first_word(text: str) -> tuple[str, str]:
    """The first word and the rest; spaces, tabs and newlines all separate words."""
    parts = text.strip().split(None, 1)
    return (parts + ["", ""])[0], (parts + ["", ""])[1] if len(parts) > 1 else ""


def parse_reference(token: str) -> int:
    """'GL-12', 'gl-12' or '12' → 12."""
    match = _REF.match(token.strip())
    if not match:
        raise ParseError(f"{quoted(plain_from_slack(token))} is not a reference. Use one like GL-12 (or gl-12, or 12).")
    return int(match.group(1))


def parse_due(words: list[str], usage: str) -> Due:
    """'by YYYY-MM-DD' or 'in N days' (business days)."""
    if len(words) >= 2 and words[0].lower() == "by":
        try:
            return Due(on=date.fromisoformat(words[1]))
        except ValueError:
            raise ParseError(
                f"{quoted(plain_from_slack(words[1]))} is not a date. Write it as YYYY-MM-DD, for example `by 2027-01-15`."
            ) from None
    if len(words) >= 3 and words[0].lower() == "in" and words[2].lower() in ("day", "days", "business"):
        # ASCII digits only ("²".isdigit() is true), and a bound so a typo cannot loop for ages
        if not re.fullmatch(r"[0-9]{1,4}", words[1]) or int(words[1]) < 1:
            raise ParseError(
                f"{quoted(plain_from_slack(words[1]))} is not a number of days. Write for example `in 10 days`."
            )
        return Due(business_days=int(words[1]))
    raise ParseError(f"Give the deadline as `by YYYY-MM-DD` or `in N days`. Usage: `{usage}`")


def parse_snooze(words: list[str], usage: str) -> Due | None:
    """'' (until tomorrow), 'N days' (business days) or 'until YYYY-MM-DD'."""
    if not words:
        return None
    if len(words) == 2 and words[0].lower() == "until":
        return parse_due(["by", words[1]], usage)
    if len(words) == 2 and words[1].lower() in ("day", "days"):
        return parse_due(["in", *words], usage)
    raise ParseError(f"Snooze for `N days` or `until YYYY-MM-DD`, or give nothing for until tomorrow. Usage: `{usage}`")


def parse(text: str) -> Command:
    """Parse the text after /greenlight."""
    text = text.strip()
    if not text:
        return Command("help")
    name, rest = first_word(text)
    name = name.lower()
    rest = rest.strip()
    if name in ("help", "summary"):
        return Command(name)
    if name in ("list", "mine"):
        return _parse_list(name, rest)
    if name == "new":
        return Command("new", draft=parse_new(rest) if rest else None)
    if name in ("settings", "me"):
        key, value = first_word(rest)
        return Command(name, key=key.lower(), value=value.strip())
    if name == "export":
        return parse_export(rest)
    if name == "stats":
        return parse_stats(rest)
    if name in ("show", "approve", "reject", "nudge", "extend", "proceed", "report", "withdraw", "snooze"):
        return _parse_on_reference(name, rest)
    raise ParseError(
        f"I don't know {quoted(plain_from_slack(name), code=True)}. Try `/greenlight help` to see what I can do."
    )


LIST_SHOWS = ("all", "stalled", "escalated", "proceeding", "mine")


def _parse_list(name: str, rest: str) -> Command:
    """'list [stalled|escalated|proceeding|mine|#channel] [page N]' and 'mine [page N]'."""
    words, show, channel, page = rest.split(), "all", None, 1
    while words:
        word = words.pop(0)
        if word.lower() == "page" and words and re.fullmatch(r"[0-9]{1,4}", words[0]) and int(words[0]) >= 1:
            page = int(words.pop(0))
        elif name == "list" and word.lower() in LIST_SHOWS:
            show = word.lower()
        elif name == "list" and CHANNEL.fullmatch(word):
            channel = CHANNEL.fullmatch(word).group(1)
        else:
            raise ParseError(f"I don't understand {quoted(plain_from_slack(word))}. Usage: `{USAGE[name]}`")
    return Command(name, show=show, channel_id=channel, page=page)


def _parse_on_reference(name: str, rest: str) -> Command:
    usage = USAGE[name]
    if not rest:
        raise ParseError(f"Which initiative? Usage: `{usage}`")
    token, tail = first_word(rest)
    ref = parse_reference(token)
    tail = tail.strip()
    if name == "show" and tail.lower() == "history":
        return Command(name, ref=ref, key="history")
    if name in ("show", "nudge") and tail:
        raise ParseError(f"`{name}` takes only a reference. Usage: `{usage}`")
    if name == "extend":
        return Command(name, ref=ref, due=parse_due(tail.split(), usage))
    if name == "snooze":
        return Command(name, ref=ref, due=parse_snooze(tail.split(), usage))
    text = plain_from_slack(tail)
    if name in ("reject", "report") and not text:
        what = "a reason" if name == "reject" else "the report text"
        raise ParseError(f"Please give {what}. Usage: `{usage}`")
    return Command(name, ref=ref, text=text)


def parse_export(rest: str) -> Command:
    """'[csv|json] [mine|all]' in either order; csv and mine by default."""
    fmt, scope = "csv", "mine"
    for word in rest.lower().split():
        if word in EXPORT_FORMATS:
            fmt = word
        elif word in EXPORT_SCOPES:
            scope = word
        else:
            raise ParseError(
                f"I can export as `csv` or `json`, and `mine` or `all`, not {quoted(plain_from_slack(word))}. "
                f"Usage: `{USAGE['export']}`"
            )
    return Command("export", key=fmt, value=scope)


def parse_stats(rest: str) -> Command:
    """'[30|90|365]' days back; 90 by default."""
    word = rest.strip()
    if not word:
        return Command("stats", key="90")
    if word not in tuple(str(d) for d in STATS_DAYS):
        raise ParseError(
            f"Stats cover the last 30, 90 or 365 days, not {quoted(plain_from_slack(word))}. Usage: `{USAGE['stats']}`"
        )
    return Command("stats", key=word)


def parse_new(rest: str) -> Draft:
    """Parse '<title> approvers @a … sponsor @s [by …|in N days] [rule all|any] [in #channel]'."""
    usage = USAGE["new"]
    # The keyword followed by a mention, so a title may itself contain the word "approvers".
    match = re.search(r"\s*\bapprovers?\b\s*(?=<@)", rest, re.IGNORECASE) or re.search(
        r"\s*\bapprovers?\b\s*", rest, re.IGNORECASE
    )
    if not match:
        raise ParseError(f"Name the approvers with `approvers @name`. Usage: `{usage}`")
    title = plain_from_slack(rest[: match.start()])
    if not title:
        raise ParseError(f"The initiative needs a title before `approvers`. Usage: `{usage}`")
    words = rest[match.end() :].split()

    approvers: list[str] = []
    while words and MENTION.fullmatch(words[0]):
        approvers.append(MENTION.fullmatch(words.pop(0)).group(1))
    if not approvers:
        raise ParseError(f"Name at least one approver as an @mention after `approvers`. Usage: `{usage}`")
    if not words or words[0].lower() != "sponsor":
        raise ParseError(
            f"After the approvers, name the sponsor: `sponsor @name` (approvers must be @mentions). Usage: `{usage}`"
        )
    words.pop(0)
    if not words or not MENTION.fullmatch(words[0]):
        raise ParseError(f"Name one sponsor as an @mention after `sponsor`. Usage: `{usage}`")
    sponsor = MENTION.fullmatch(words.pop(0)).group(1)

    due: Due | None = None
    rule = "all"
    channel: str | None = None
    while words:
        word = words[0].lower()
        if word == "rule" and len(words) >= 2:
            rule = words[1].lower()
            if rule not in ("all", "any"):
                raise ParseError(
                    f"The rule is `all` (every approver) or `any` (one is enough), not {quoted(plain_from_slack(words[1]))}."
                )
            del words[:2]
        elif word == "in" and len(words) >= 2 and CHANNEL.fullmatch(words[1]):
            channel = CHANNEL.fullmatch(words[1]).group(1)
            del words[:2]
        elif word == "in" and len(words) >= 2 and words[1].startswith("#"):
            raise ParseError(
                f"I can't see the channel {quoted(plain_from_slack(words[1]))}: pick the channel from Slack's "
                f"suggestions as you type `#`, so it becomes a link. Usage: `{usage}`"
            )
        elif word in ("by", "in") and due is None:
            due = parse_due(words, usage)
            business = (
                word == "in"
                and words[2].lower() == "business"
                and len(words) > 3
                and words[3].lower() in ("day", "days")
            )
            del words[: 2 if word == "by" else 4 if business else 3]
        elif word == "sponsor" or MENTION.fullmatch(words[0]):
            raise ParseError(f"An initiative has exactly one sponsor. Usage: `{usage}`")
        else:
            raise ParseError(f"I don't understand {quoted(plain_from_slack(' '.join(words)))}. Usage: `{usage}`")
    return Draft(title=title, approver_ids=tuple(approvers), sponsor_id=sponsor, due=due, rule=rule, channel_id=channel)
