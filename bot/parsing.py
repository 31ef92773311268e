"""Slash-command text → a typed request. Pure parsing, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.stages import MAX_STAGES
from bot.text import CHANNEL, GROUP, MENTION, plain_from_slack, quoted

USAGE = {
    "help": "/greenlight help",
    "new": "/greenlight new <title> approvers @a [@group …] [then @c …] [required @c …] sponsor @s "
    "[by YYYY-MM-DD | in N days] "
    "[rule all|any|N] [in #channel]  |  /greenlight new <title> using <template> [by YYYY-MM-DD | in N days] "
    "[in #channel]",
    "template": "/greenlight template save <name> approvers @a [@b …] [then @c …] [required @c …] sponsor @s "
    "[rule all|any|N] [in #channel]  |  /greenlight template list  |  /greenlight template delete <name>",
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
    "away": "/greenlight me away until YYYY-MM-DD [delegate @person] | /greenlight me away off",
    "snooze": "/greenlight snooze GL-12 [N days | until YYYY-MM-DD]",
    "resubmit": "/greenlight resubmit GL-12 <what changed> [by YYYY-MM-DD | in N days] [fresh]",
    "ask": "/greenlight ask GL-12 <question>",
    "answer": "/greenlight answer GL-12 <text>",
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
    rule: str = "all"  # one per stage, comma-separated, when the stages' rules differ
    channel_id: str | None = None
    details: str = ""
    stage_of: tuple[int, ...] = ()  # each approver's stage (0-based); empty: one stage
    required: tuple[str, ...] = ()  # approvers without whose approval the sponsor cannot proceed
    template: str = ""  # `using <name>`: approvers, stages, required, sponsor, rule (and channel) from it

    @property
    def stages(self) -> list[list[str]]:
        """The approvers of each stage, in order."""
        stage_of = self.stage_of or (0,) * len(self.approver_ids)
        return [[u for u, s in zip(self.approver_ids, stage_of) if s == n] for n in range(1 + max(stage_of, default=0))]


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
    if name == "template":
        return parse_template(rest)
    if name in ("settings", "me"):
        key, value = first_word(rest)
        if name == "me" and key.lower() == "away":
            return parse_away(value)
        return Command(name, key=key.lower(), value=value.strip())
    if name == "export":
        return parse_export(rest)
    if name == "stats":
        return parse_stats(rest)
    if name in (
        "show",
        "approve",
        "reject",
        "nudge",
        "extend",
        "proceed",
        "report",
        "withdraw",
        "snooze",
        "resubmit",
        "ask",
        "answer",
    ):
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
    if name == "resubmit":
        return parse_resubmit(ref, tail)
    text = plain_from_slack(tail)
    if name in ("reject", "report", "ask", "answer") and not text:
        what = {"reject": "a reason", "report": "the report text", "ask": "your question"}.get(name, "your answer")
        raise ParseError(f"Please give {what}. Usage: `{usage}`")
    return Command(name, ref=ref, text=text)


def parse_resubmit(ref: int, tail: str) -> Command:
    """'<what changed> [by YYYY-MM-DD | in N days] [fresh]': the options at the end, in either order."""
    usage, words, due, fresh = USAGE["resubmit"], tail.split(), None, False
    while words:
        if words[-1].lower() == "fresh" and not fresh:
            fresh = True
            words.pop()
        elif due is None and len(words) >= 2 and words[-2].lower() == "by":
            due = parse_due(words[-2:], usage)
            del words[-2:]
        elif due is None and len(words) >= 3 and words[-3].lower() == "in" and words[-1].lower() in ("day", "days"):
            due = parse_due(words[-3:], usage)
            del words[-3:]
        else:
            break
    changed = plain_from_slack(" ".join(words))
    if not changed:
        raise ParseError(f"Say what changed since the rejection. Usage: `{usage}`")
    return Command("resubmit", ref=ref, text=changed, due=due, key="fresh" if fresh else "")


def parse_away(rest: str) -> Command:
    """'until YYYY-MM-DD [delegate @person]' (`due` the last day away, `value` the delegate) or 'off' (no `due`)."""
    usage = USAGE["away"]
    words = rest.split()
    if [w.lower() for w in words] == ["off"]:
        return Command("me", key="away")
    if len(words) < 2 or words[0].lower() != "until":
        raise ParseError(f"Say until when you are away, or `off`. Usage: `{usage}`")
    until = parse_due(["by", words[1]], usage).on
    delegate = ""
    if words[2:]:
        if len(words) != 4 or words[2].lower() != "delegate" or not MENTION.fullmatch(words[3]):
            raise ParseError(f"Name one delegate as an @mention after `delegate`. Usage: `{usage}`")
        delegate = MENTION.fullmatch(words[3]).group(1)
    return Command("me", key="away", due=Due(on=until), value=delegate)


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


TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
TEMPLATE_ACTIONS = ("save", "list", "delete")


def template_name(word: str, usage: str) -> str:
    """A template's name: one word of letters, digits, - and _, up to 40 characters, in lower case."""
    name = word.strip().lower()
    if not TEMPLATE_NAME.fullmatch(name):
        raise ParseError(
            f"{quoted(plain_from_slack(word))} cannot name a template: use one word of up to 40 letters, digits, "
            f"- or _ (for example `hiring`). Usage: `{usage}`"
        )
    return name


def parse_template(rest: str) -> Command:
    """'save <name> approvers … sponsor @s [rule …] [in #channel]', 'list' or 'delete <name>'."""
    usage = USAGE["template"]
    action, tail = first_word(rest)
    action = action.lower()
    if action not in TEMPLATE_ACTIONS:
        raise ParseError(f"Say what to do with templates: `save`, `list` or `delete`. Usage: `{usage}`")
    if action == "list":
        if tail.strip():
            raise ParseError(f"`template list` takes nothing more. Usage: `{usage}`")
        return Command("template", key="list")
    word, tail = first_word(tail)
    if not word:
        raise ParseError(f"Name the template. Usage: `{usage}`")
    name = template_name(word, usage)
    if action == "delete":
        if tail.strip():
            raise ParseError(f"`template delete` takes only the template's name. Usage: `{usage}`")
        return Command("template", key="delete", value=name)
    if not re.match(r"approvers?\b", tail.strip(), re.IGNORECASE):
        raise ParseError(f"After the template's name, name the approvers: `approvers @name`. Usage: `{usage}`")
    draft = parse_new(f"{name} {tail.strip()}")
    if draft.due:
        raise ParseError(
            "A template has no deadline: give it when you use it, with "
            f"`/greenlight new <title> using {name} in 10 days`. Usage: `{usage}`"
        )
    return Command("template", key="save", value=name, draft=draft)


def parse_using(rest: str) -> Draft | None:
    """'<title> using <template> [by …|in N days] [in #channel]', or None when `rest` names no template."""
    match = re.search(r"(?:^|\s+)using\s+(\S+)(.*)$", rest, re.IGNORECASE | re.DOTALL)
    if not match or re.search(r"\bapprovers?\b\s*<[@!]", rest, re.IGNORECASE):
        return None
    usage = USAGE["new"]
    title = plain_from_slack(rest[: match.start()])
    if not title:
        raise ParseError(f"The initiative needs a title before `using`. Usage: `{usage}`")
    name = template_name(match.group(1), usage)
    words, due, channel = match.group(2).split(), None, None
    while words:
        word = words[0].lower()
        if word == "in" and len(words) >= 2 and CHANNEL.fullmatch(words[1]):
            channel = CHANNEL.fullmatch(words[1]).group(1)
            del words[:2]
        elif word in ("by", "in") and due is None:
            due = parse_due(words, usage)
            business = word == "in" and len(words) > 3 and words[2].lower() == "business"
            del words[: 2 if word == "by" else 4 if business else 3]
        else:
            raise ParseError(
                f"After `using {name}` give only the deadline (`by YYYY-MM-DD` or `in N days`) or `in #channel`, "
                f"not {quoted(plain_from_slack(' '.join(words)))}. Usage: `{usage}`"
            )
    return Draft(title=title, approver_ids=(), sponsor_id=None, due=due, channel_id=channel, template=name)


def parse_new(rest: str) -> Draft:
    """Parse '<title> approvers @a … [rule …] [then @c … [rule …]] sponsor @s [by …|in N days] [rule all|any|N]
    [in #channel]'; a rule after the sponsor applies to each stage that has none of its own."""
    usage = USAGE["new"]
    if using := parse_using(rest):
        return using
    # The keyword followed by a mention, so a title may itself contain the word "approvers".
    match = re.search(r"\s*\bapprovers?\b\s*(?=<[@!])", rest, re.IGNORECASE) or re.search(
        r"\s*\bapprovers?\b\s*", rest, re.IGNORECASE
    )
    if not match:
        raise ParseError(f"Name the approvers with `approvers @name`. Usage: `{usage}`")
    title = plain_from_slack(rest[: match.start()])
    if not title:
        raise ParseError(f"The initiative needs a title before `approvers`. Usage: `{usage}`")
    words = rest[match.end() :].split()

    stages: list[list[str]] = [[]]
    stage_rules: list[str | None] = [None]
    while words:
        word = words[0].lower()
        if approver := _approver(words[0]):
            words.pop(0)
            stages[-1].append(approver)
        elif word == "then":
            if not stages[-1]:
                raise ParseError(f"Name at least one approver before `then`. Usage: `{usage}`")
            words.pop(0)
            stages.append([])
            stage_rules.append(None)
        elif word == "rule" and stages[-1] and len(words) >= 2:
            stage_rules[-1] = parse_rule(words[1])
            del words[:2]
        else:
            break
    if not stages[0]:
        raise ParseError(f"Name at least one approver as an @mention after `approvers`. Usage: `{usage}`")
    if not stages[-1]:
        raise ParseError(f"Name at least one approver as an @mention after `then`. Usage: `{usage}`")
    if len(stages) > MAX_STAGES:
        raise ParseError(f"Approvers can be asked in at most {MAX_STAGES} stages; you named {len(stages)}.")
    required: list[str] = []
    if words and words[0].lower() == "required":
        words.pop(0)
        while words and (approver := _approver(words[0])):
            words.pop(0)
            required.append(approver)
        if not required:
            raise ParseError(f"Name the required approvers as @mentions after `required`. Usage: `{usage}`")
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
            rule = parse_rule(words[1])
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
    rules = [own or rule for own in stage_rules]
    return Draft(
        title=title,
        approver_ids=tuple(u for stage in stages for u in stage),
        sponsor_id=sponsor,
        due=due,
        rule=rules[0] if len(set(rules)) == 1 else ",".join(rules),
        channel_id=channel,
        stage_of=tuple(n for n, stage in enumerate(stages) for _ in stage) if len(stages) > 1 else (),
        required=tuple(required),
    )


def _approver(word: str) -> str | None:
    """A person (<@U…>) or a Slack user group (<!subteam^S…>) named as an approver; None for anything else."""
    match = MENTION.fullmatch(word) or GROUP.fullmatch(word)
    return match.group(1) if match else None


def parse_rule(word: str) -> str:
    """'all', 'any' or a number of approvals N (of each stage)."""
    rule = word.lower()
    if rule in ("all", "any") or re.fullmatch(r"[1-9][0-9]?", rule):
        return rule
    raise ParseError(
        f"The rule is `all` (every approver), `any` (one is enough) or a number (that many approvals), "
        f"not {quoted(plain_from_slack(word))}."
    )
