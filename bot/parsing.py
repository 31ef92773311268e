"""Slash-command text → a typed request. Pure parsing, no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.i18n import N_, t, tn
from bot.stages import MAX_STAGES
from bot.text import CHANNEL, GROUP, MENTION, plain_from_slack, quoted

USAGE = {
    "help": "/greenlight help",
    # Translators: command syntax. Translate only the words in <angle brackets>; keep the subcommands,
    # keywords (approvers, sponsor, by, in N days, rule …), GL-12 and the punctuation as they are.
    "new": N_(
        "/greenlight new <title> approvers @a [@group …] [then @c …] [required @c …] sponsor @s "
        "[by YYYY-MM-DD | in N days] "
        "[rule all|any|N] [in #channel]  |  /greenlight new <title> using <template> [by YYYY-MM-DD | in N days] "
        "[in #channel]"
    ),
    "template": N_(
        "/greenlight template save <name> approvers @a [@b …] [then @c …] [required @c …] sponsor @s "
        "[rule all|any|N] [in #channel]  |  /greenlight template list  |  /greenlight template delete <name>"
    ),
    "list": "/greenlight list [stalled|escalated|proceeding|mine|#channel] [page N]",
    "mine": "/greenlight mine [page N]",
    "show": "/greenlight show GL-12 [history]",
    "approve": N_("/greenlight approve GL-12 [comment]"),
    "reject": N_("/greenlight reject GL-12 <reason>"),
    "nudge": "/greenlight nudge GL-12",
    "extend": N_("/greenlight extend GL-12 <by YYYY-MM-DD | in N days>"),
    "proceed": N_("/greenlight proceed GL-12 [note]"),
    "report": N_("/greenlight report GL-12 <text>"),
    "withdraw": N_("/greenlight withdraw GL-12 [reason]"),
    "summary": "/greenlight summary",
    "settings": N_("/greenlight settings [<key> <value> | history]"),
    "me": N_("/greenlight me [<key> <value>]  (working-hours, working-days, holidays, digest on|off)"),
    "away": N_("/greenlight me away until YYYY-MM-DD [delegate @person] | /greenlight me away off"),
    "snooze": N_("/greenlight snooze GL-12 [N days | until YYYY-MM-DD]"),
    "resubmit": N_("/greenlight resubmit GL-12 <what changed> [by YYYY-MM-DD | in N days] [fresh]"),
    "ask": N_("/greenlight ask GL-12 <question>"),
    "answer": N_("/greenlight answer GL-12 <text>"),
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


# Today's date, asked only when a date is typed without its year ('30.4.'); None: this machine's date.
Today = Callable[[], date] | None

# A date as German speakers type it: '30.04.2026', '30.4.2026', or '30.4.' (the next 30 April, this year or next).
DOTTED_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})?")
BY_WORDS = ("by", "bis")  # 'bis 30.04.2026' where English says 'by 2026-04-30'
UNTIL_WORDS = ("until", "bis")
# 'in 5 days', 'in 5 Tagen', 'in 5 Werktagen': business days, all of them
DAY_WORDS = (
    "day",
    "days",
    "tag",
    "tage",
    "tagen",
    "werktag",
    "werktage",
    "werktagen",
    "arbeitstag",
    "arbeitstage",
    "arbeitstagen",
)


def usage_of(name: str) -> str:
    """The syntax of a subcommand, as the reader reads it (the subcommands and keywords stay English)."""
    return t(USAGE[name])


def first_word(text: str) -> tuple[str, str]:
    """The first word and the rest; spaces, tabs and newlines all separate words."""
    parts = text.strip().split(None, 1)
    return (parts + ["", ""])[0], (parts + ["", ""])[1] if len(parts) > 1 else ""


def parse_reference(token: str) -> int:
    """'GL-12', 'gl-12' or '12' → 12."""
    match = _REF.match(token.strip())
    if not match:
        raise ParseError(
            t(
                "{token} is not a reference. Use one like GL-12 (or gl-12, or 12).",
                token=quoted(plain_from_slack(token)),
            )
        )
    return int(match.group(1))


def parse_date(word: str, today: Today = None) -> date:
    """'2027-01-15', '15.01.2027', '15.1.2027' or '15.1.' (this year, or next year once that day has passed:
    a date of today stays today's, to be judged as the same date typed with its year would be)."""
    dotted = DOTTED_DATE.fullmatch(word)
    if not dotted:
        try:
            return date.fromisoformat(word)
        except ValueError:
            raise ParseError(
                t(
                    "{date} is not a date. Write it as YYYY-MM-DD, for example `by 2027-01-15`.",
                    date=quoted(plain_from_slack(word)),
                )
            ) from None
    day, month, year = (int(n) if n else None for n in dotted.groups())
    if year is None:
        now = today() if today else date.today()
        year = now.year + ((month, day) < (now.month, now.day))
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(
            t(
                "{date} is not a date. Write it as DD.MM.YYYY, for example `bis 15.01.2027`.",
                date=quoted(plain_from_slack(word)),
            )
        ) from None


def parse_due(words: list[str], usage: str, today: Today = None) -> Due:
    """'by YYYY-MM-DD' (or 'bis DD.MM.YYYY', or the date alone written DD.MM.YYYY) or 'in N days' (business
    days; 'in N Tagen' and 'in N Werktagen' alike)."""
    first = words[0].lower() if words else ""
    if len(words) >= 2 and first in BY_WORDS:
        return Due(on=parse_date(words[1], today))
    if words and DOTTED_DATE.fullmatch(words[0]):
        return Due(on=parse_date(words[0], today))
    if len(words) >= 3 and first == "in" and words[2].lower() in (*DAY_WORDS, "business"):
        # ASCII digits only ("²".isdigit() is true), and a bound so a typo cannot loop for ages
        if not re.fullmatch(r"[0-9]{1,4}", words[1]) or int(words[1]) < 1:
            raise ParseError(
                t(
                    "{number} is not a number of days. Write for example `in 10 days`.",
                    number=quoted(plain_from_slack(words[1])),
                )
            )
        return Due(business_days=int(words[1]))
    raise ParseError(t("Give the deadline as `by YYYY-MM-DD` or `in N days`. Usage: `{usage}`", usage=usage))


def starts_due(words: list[str]) -> bool:
    """Whether the words begin with a deadline: 'by …', 'bis …', 'in …' (not a channel) or a date like 30.04.2026."""
    return bool(words) and (words[0].lower() in (*BY_WORDS, "in") or bool(DOTTED_DATE.fullmatch(words[0])))


def due_length(words: list[str]) -> int:
    """How many of the words the deadline parse_due read at their start takes up."""
    first = words[0].lower()
    if first in BY_WORDS:
        return 2
    if first == "in":
        business = len(words) > 3 and words[2].lower() == "business" and words[3].lower() in ("day", "days")
        return 4 if business else 3
    return 1


def parse_snooze(words: list[str], usage: str, today: Today = None) -> Due | None:
    """'' (until tomorrow), 'N days' (business days; 'N Tage' too), 'until YYYY-MM-DD' ('bis 30.4.'), or the
    date alone written DD.MM.YYYY."""
    if not words:
        return None
    if len(words) == 2 and words[0].lower() in UNTIL_WORDS:
        return Due(on=parse_date(words[1], today))
    if len(words) == 1 and DOTTED_DATE.fullmatch(words[0]):
        return Due(on=parse_date(words[0], today))
    if len(words) == 2 and words[1].lower() in DAY_WORDS:
        return parse_due(["in", *words], usage)
    if len(words) == 3 and words[0].lower() == "in" and words[2].lower() in DAY_WORDS:
        return parse_due(words, usage)
    raise ParseError(
        t(
            "Snooze for `N days` or `until YYYY-MM-DD`, or give nothing for until tomorrow. Usage: `{usage}`",
            usage=usage,
        )
    )


def parse(text: str, today: Today = None) -> Command:
    """Parse the text after /greenlight; `today` is asked for a date typed without its year."""
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
        return Command("new", draft=parse_new(rest, today) if rest else None)
    if name == "template":
        return parse_template(rest, today)
    if name in ("settings", "me"):
        key, value = first_word(rest)
        if name == "me" and key.lower() == "away":
            return parse_away(value, today)
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
        return _parse_on_reference(name, rest, today)
    raise ParseError(
        t(
            "I don't know {name}. Try `/greenlight help` to see what I can do.",
            name=quoted(plain_from_slack(name), code=True),
        )
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
            raise ParseError(
                t(
                    "I don't understand {words}. Usage: `{usage}`",
                    words=quoted(plain_from_slack(word)),
                    usage=usage_of(name),
                )
            )
    return Command(name, show=show, channel_id=channel, page=page)


# What a command that needs text after the reference says without it.
TEXT_NEEDED = {
    "reject": N_("Please give a reason. Usage: `{usage}`"),
    "report": N_("Please give the report text. Usage: `{usage}`"),
    "ask": N_("Please give your question. Usage: `{usage}`"),
    "answer": N_("Please give your answer. Usage: `{usage}`"),
}


def _parse_on_reference(name: str, rest: str, today: Today = None) -> Command:
    usage = usage_of(name)
    if not rest:
        raise ParseError(t("Which initiative? Usage: `{usage}`", usage=usage))
    token, tail = first_word(rest)
    ref = parse_reference(token)
    tail = tail.strip()
    if name == "show" and tail.lower() == "history":
        return Command(name, ref=ref, key="history")
    if name in ("show", "nudge") and tail:
        raise ParseError(t("`{name}` takes only a reference. Usage: `{usage}`", name=name, usage=usage))
    if name == "extend":
        return Command(name, ref=ref, due=parse_due(tail.split(), usage, today))
    if name == "snooze":
        return Command(name, ref=ref, due=parse_snooze(tail.split(), usage, today))
    if name == "resubmit":
        return parse_resubmit(ref, tail, today)
    text = plain_from_slack(tail)
    if name in TEXT_NEEDED and not text:
        raise ParseError(t(TEXT_NEEDED[name], usage=usage))
    return Command(name, ref=ref, text=text)


def parse_resubmit(ref: int, tail: str, today: Today = None) -> Command:
    """'<what changed> [by YYYY-MM-DD | in N days] [fresh]': the options at the end, in either order ('bis 30.4.'
    and 'in N Tagen' too)."""
    usage, words, due, fresh = usage_of("resubmit"), tail.split(), None, False
    while words:
        if words[-1].lower() == "fresh" and not fresh:
            fresh = True
            words.pop()
        elif due is None and len(words) >= 2 and words[-2].lower() in BY_WORDS:
            due = parse_due(words[-2:], usage, today)
            del words[-2:]
        elif due is None and len(words) >= 3 and words[-3].lower() == "in" and words[-1].lower() in DAY_WORDS:
            due = parse_due(words[-3:], usage, today)
            del words[-3:]
        elif (
            due is None
            and len(words) >= 4
            and words[-4].lower() == "in"
            and words[-2].lower() == "business"
            and words[-1].lower() in ("day", "days")
        ):
            due = parse_due(words[-4:], usage, today)
            del words[-4:]
        else:
            break
    changed = plain_from_slack(" ".join(words))
    if not changed:
        raise ParseError(t("Say what changed since the rejection. Usage: `{usage}`", usage=usage))
    return Command("resubmit", ref=ref, text=changed, due=due, key="fresh" if fresh else "")


def parse_away(rest: str, today: Today = None) -> Command:
    """'until YYYY-MM-DD [delegate @person]' ('bis 30.4.' too; `due` the last day away, `value` the delegate) or
    'off' (no `due`)."""
    usage = usage_of("away")
    words = rest.split()
    if [w.lower() for w in words] == ["off"]:
        return Command("me", key="away")
    if len(words) < 2 or words[0].lower() not in UNTIL_WORDS:
        raise ParseError(t("Say until when you are away, or `off`. Usage: `{usage}`", usage=usage))
    until = parse_date(words[1], today)
    delegate = ""
    if words[2:]:
        if len(words) != 4 or words[2].lower() != "delegate" or not MENTION.fullmatch(words[3]):
            raise ParseError(t("Name one delegate as an @mention after `delegate`. Usage: `{usage}`", usage=usage))
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
                t(
                    "I can export as `csv` or `json`, and `mine` or `all`, not {word}. Usage: `{usage}`",
                    word=quoted(plain_from_slack(word)),
                    usage=usage_of("export"),
                )
            )
    return Command("export", key=fmt, value=scope)


def parse_stats(rest: str) -> Command:
    """'[30|90|365]' days back; 90 by default."""
    word = rest.strip()
    if not word:
        return Command("stats", key="90")
    if word not in tuple(str(d) for d in STATS_DAYS):
        raise ParseError(
            t(
                "Stats cover the last 30, 90 or 365 days, not {word}. Usage: `{usage}`",
                word=quoted(plain_from_slack(word)),
                usage=usage_of("stats"),
            )
        )
    return Command("stats", key=word)


TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
TEMPLATE_ACTIONS = ("save", "list", "delete")


def template_name(word: str, usage: str) -> str:
    """A template's name: one word of letters, digits, - and _, up to 40 characters, in lower case."""
    name = word.strip().lower()
    if not TEMPLATE_NAME.fullmatch(name):
        raise ParseError(
            t(
                "{word} cannot name a template: use one word of up to 40 letters, digits, "
                "- or _ (for example `hiring`). Usage: `{usage}`",
                word=quoted(plain_from_slack(word)),
                usage=usage,
            )
        )
    return name


def parse_template(rest: str, today: Today = None) -> Command:
    """'save <name> approvers … sponsor @s [rule …] [in #channel]', 'list' or 'delete <name>'."""
    usage = usage_of("template")
    action, tail = first_word(rest)
    action = action.lower()
    if action not in TEMPLATE_ACTIONS:
        raise ParseError(t("Say what to do with templates: `save`, `list` or `delete`. Usage: `{usage}`", usage=usage))
    if action == "list":
        if tail.strip():
            raise ParseError(t("`template list` takes nothing more. Usage: `{usage}`", usage=usage))
        return Command("template", key="list")
    word, tail = first_word(tail)
    if not word:
        raise ParseError(t("Name the template. Usage: `{usage}`", usage=usage))
    name = template_name(word, usage)
    if action == "delete":
        if tail.strip():
            raise ParseError(t("`template delete` takes only the template's name. Usage: `{usage}`", usage=usage))
        return Command("template", key="delete", value=name)
    if not re.match(r"approvers?\b", tail.strip(), re.IGNORECASE):
        raise ParseError(
            t("After the template's name, name the approvers: `approvers @name`. Usage: `{usage}`", usage=usage)
        )
    draft = parse_new(f"{name} {tail.strip()}", today)
    if draft.due:
        raise ParseError(
            t(
                "A template has no deadline: give it when you use it, with "
                "`/greenlight new <title> using {name} in 10 days`. Usage: `{usage}`",
                name=name,
                usage=usage,
            )
        )
    return Command("template", key="save", value=name, draft=draft)


def parse_using(rest: str, today: Today = None) -> Draft | None:
    """'<title> using <template> [by …|in N days] [in #channel]', or None when `rest` names no template."""
    match = re.search(r"(?:^|\s+)using\s+(\S+)(.*)$", rest, re.IGNORECASE | re.DOTALL)
    if not match or re.search(r"\bapprovers?\b\s*<[@!]", rest, re.IGNORECASE):
        return None
    usage = usage_of("new")
    title = plain_from_slack(rest[: match.start()])
    if not title:
        raise ParseError(t("The initiative needs a title before `using`. Usage: `{usage}`", usage=usage))
    name = template_name(match.group(1), usage)
    words, due, channel = match.group(2).split(), None, None
    while words:
        word = words[0].lower()
        if word == "in" and len(words) >= 2 and CHANNEL.fullmatch(words[1]):
            channel = CHANNEL.fullmatch(words[1]).group(1)
            del words[:2]
        elif starts_due(words) and due is None:
            due = parse_due(words, usage, today)
            del words[: due_length(words)]
        else:
            raise ParseError(
                t(
                    "After `using {name}` give only the deadline (`by YYYY-MM-DD` or `in N days`) or `in #channel`, "
                    "not {words}. Usage: `{usage}`",
                    name=name,
                    words=quoted(plain_from_slack(" ".join(words))),
                    usage=usage,
                )
            )
    return Draft(title=title, approver_ids=(), sponsor_id=None, due=due, channel_id=channel, template=name)


def parse_new(rest: str, today: Today = None) -> Draft:
    """Parse '<title> approvers @a … [rule …] [then @c … [rule …]] sponsor @s [by …|in N days] [rule all|any|N]
    [in #channel]'; a rule after the sponsor applies to each stage that has none of its own. The deadline may be
    'bis 30.04.2026', '30.4.' or 'in 5 Tagen' too."""
    usage = usage_of("new")
    if using := parse_using(rest, today):
        return using
    # The keyword followed by a mention, so a title may itself contain the word "approvers".
    match = re.search(r"\s*\bapprovers?\b\s*(?=<[@!])", rest, re.IGNORECASE) or re.search(
        r"\s*\bapprovers?\b\s*", rest, re.IGNORECASE
    )
    if not match:
        raise ParseError(t("Name the approvers with `approvers @name`. Usage: `{usage}`", usage=usage))
    title = plain_from_slack(rest[: match.start()])
    if not title:
        raise ParseError(t("The initiative needs a title before `approvers`. Usage: `{usage}`", usage=usage))
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
                raise ParseError(t("Name at least one approver before `then`. Usage: `{usage}`", usage=usage))
            words.pop(0)
            stages.append([])
            stage_rules.append(None)
        elif word == "rule" and stages[-1] and len(words) >= 2:
            stage_rules[-1] = parse_rule(words[1])
            del words[:2]
        else:
            break
    if not stages[0]:
        raise ParseError(
            t("Name at least one approver as an @mention after `approvers`. Usage: `{usage}`", usage=usage)
        )
    if not stages[-1]:
        raise ParseError(t("Name at least one approver as an @mention after `then`. Usage: `{usage}`", usage=usage))
    if len(stages) > MAX_STAGES:
        raise ParseError(
            tn(
                "Approvers can be asked in at most {n} stage; you named {named}.",
                "Approvers can be asked in at most {n} stages; you named {named}.",
                MAX_STAGES,
                named=len(stages),
            )
        )
    required: list[str] = []
    if words and words[0].lower() == "required":
        words.pop(0)
        while words and (approver := _approver(words[0])):
            words.pop(0)
            required.append(approver)
        if not required:
            raise ParseError(
                t("Name the required approvers as @mentions after `required`. Usage: `{usage}`", usage=usage)
            )
    if not words or words[0].lower() != "sponsor":
        raise ParseError(
            t(
                "After the approvers, name the sponsor: `sponsor @name` (approvers must be @mentions). "
                "Usage: `{usage}`",
                usage=usage,
            )
        )
    words.pop(0)
    if not words or not MENTION.fullmatch(words[0]):
        raise ParseError(t("Name one sponsor as an @mention after `sponsor`. Usage: `{usage}`", usage=usage))
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
                t(
                    "I can't see the channel {channel}: pick the channel from Slack's "
                    "suggestions as you type `#`, so it becomes a link. Usage: `{usage}`",
                    channel=quoted(plain_from_slack(words[1])),
                    usage=usage,
                )
            )
        elif starts_due(words) and due is None:
            due = parse_due(words, usage, today)
            del words[: due_length(words)]
        elif word == "sponsor" or MENTION.fullmatch(words[0]):
            raise ParseError(t("An initiative has exactly one sponsor. Usage: `{usage}`", usage=usage))
        else:
            raise ParseError(
                t(
                    "I don't understand {words}. Usage: `{usage}`",
                    words=quoted(plain_from_slack(" ".join(words))),
                    usage=usage,
                )
            )
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
        t(
            "The rule is `all` (every approver), `any` (one is enough) or a number (that many approvals), not {word}.",
            word=quoted(plain_from_slack(word)),
        )
    )
