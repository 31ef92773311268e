"""Ephemeral replies to commands: help, list and mine."""

from __future__ import annotations

from bot import i18n, stages
from bot.blocks.common import actions, button, context, header, section
from bot.blocks.ids import Action
from bot.blocks.initiatives import STATUS_SHORT, day, deadline_of, title_of
from bot.i18n import N_, t, tn
from bot.parsing import USAGE, usage_of
from bot.text import channel_link, escape, is_group, mention

MAX_ROWS = 40
MAX_BLOCKS = 50  # Slack's limit for a message
PACK_LIMIT = 2900  # rows packed into a section up to this many characters (a section takes 3,000)


EXAMPLES = {
    "help": "/greenlight help",
    "new": "/greenlight new Sales training plan approvers @nina @tom sponsor @vera in 10 days",
    "list": "/greenlight list stalled",
    "mine": "/greenlight mine",
    "show": "/greenlight show GL-12",
    "approve": "/greenlight approve GL-12 Fine by HR",
    "reject": "/greenlight reject GL-12 No budget this quarter",
    "nudge": "/greenlight nudge GL-12",
    "extend": "/greenlight extend GL-12 by 2027-01-15",
    "proceed": "/greenlight proceed GL-12 The season starts Monday",
    "report": "/greenlight report GL-12 40 people trained, costs as planned",
    "withdraw": "/greenlight withdraw GL-12 Merged with the Paris plan",
    "summary": "/greenlight summary",
    "settings": "/greenlight settings holidays DE",
    "me": "/greenlight me holidays US-NY",
    "away": "/greenlight me away until 2027-01-08 delegate @tom",
    "snooze": "/greenlight snooze GL-12 3 days",
    "resubmit": "/greenlight resubmit GL-12 Budget halved, one trainer in 10 days",
    "template": "/greenlight template save hiring approvers @hr then @finance sponsor @coo",
    "ask": "/greenlight ask GL-12 Which budget line is this?",
    "answer": "/greenlight answer GL-12 Line 4, training",
}


def help_text() -> str:
    """What /greenlight can do: the roles, business days, and each command with an example (placeholders
    escaped, so Slack shows them instead of reading them as links)."""
    lines = [
        # Translators: a command's syntax, then an example of it
        t(
            "{usage}  e.g. {example}",
            usage=f"`{escape(usage_of(name))}`",
            example=f"`{escape(EXAMPLES.get(name, USAGE[name]))}`",
        )
        for name in USAGE
    ]
    return (
        t(
            "*Greenlight* keeps approvals from stalling. The *owner* registers an initiative; each *approver* answers "
            "Approve or Reject; the *sponsor* decides at the deadline whether to *proceed and report*: go ahead "
            "without the missing sign-offs, and the owner reports the results afterwards. Reminders come in each "
            "person's working hours; *business days* are working days minus public holidays (yours: `/greenlight me`)."
        )
        + "\n"
        + "\n".join(lines)
        + "\n"
        + t("`in N days` counts business days. References can be written GL-12, gl-12 or 12.")
        + " "
        + t(
            "Commands and keywords (`approvers`, `sponsor`, `by`, `in N days`…) are always typed in English; "
            "dates may also be typed as 30.04.2026."
        )
    )


def pending_text(waits) -> str:
    # Translators: someone an approval waits on, and for how long: '<@U1> (2 business days)'
    return ", ".join(
        t("{approver} ({wait})", approver=mention(w.approval.approver_id), wait=w.text) for w in waits
    ) or t("nobody")


def initiative_row(ini, waits) -> str:
    """One line for lists: reference, title, status, who it waits on and since when."""
    if ini.status == "proceeding":
        if ini.report_due:
            return t("{title}: proceeding, report due {day}", title=title_of(ini), day=day(ini.report_due))
        return t("{title}: proceeding, report due", title=title_of(ini))
    values = {
        "title": title_of(ini),
        "stage": stages.waiting_label(ini),
        "pending": pending_text(waits),
        "deadline": deadline_of(ini),
    }
    if ini.status == "escalated":
        # Translators: {stage} is empty or 'stage 2 of 3: '
        return t(
            "{title}: waiting on the sponsor {sponsor}; {stage}pending {pending} · {deadline}",
            sponsor=mention(ini.sponsor_id),
            **values,
        )
    # Translators: {stage} is empty or 'stage 2 of 3: '
    return t("{title}: {stage}pending {pending} · {deadline}", **values)


def rows_blocks(title: str, rows: list[str], empty: str, budget: int = MAX_BLOCKS - 1) -> list[dict]:
    """A titled list in at most `budget` sections under Slack's limits, cut at MAX_ROWS with 'and N more'."""
    if not rows:
        return [section(f"*{title}*\n{empty}")]
    blocks, chunk, shown = [], [f"*{title}*"], 0
    for row in rows[:MAX_ROWS]:
        if sum(len(r) + 1 for r in chunk) + len(row) > PACK_LIMIT:
            if len(blocks) + 1 >= budget:
                break
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(row)
        shown += 1
    if shown < len(rows):  # fits: PACK_LIMIT leaves room for this line under the section limit
        chunk.append(tn("… and {n} more", "… and {n} more", len(rows) - shown))
    blocks.append(section("\n".join(chunk)))
    return blocks


def page_value(command: str, page: int, show: str = "all", channel_id: str | None = None) -> str:
    """What a page button carries: 'list stalled #C123 page 2', in the words of the command itself."""
    words = [command] + ([show] if show != "all" else []) + ([f"<#{channel_id}>"] if channel_id else [])
    return " ".join(words + ["page", str(page)])


def paging(pages, command: str, show: str = "all", channel_id: str | None = None) -> list[dict]:
    """'Page 2 of 5' and the Previous / Next buttons, when there is more than one page."""
    number, last, more = pages[0].number, max(p.pages for p in pages), any(p.more for p in pages)
    if last == 1 and not more:
        return []
    buttons = [
        button(label, action, page_value(command, to, show, channel_id))
        for label, action, to in (
            (t("Previous page"), Action.PREVIOUS_PAGE, number - 1),
            (t("Next page"), Action.NEXT_PAGE, number + 1),
        )
        if 1 <= to <= last or (more and to > last)
    ]
    where = (
        t("Page {number} of {last}+", number=number, last=last)
        if more
        else t("Page {number} of {last}", number=number, last=last)
    )
    return [context(where)] + ([actions(*buttons)] if buttons else [])


# The title of each `/greenlight list` (translated where shown: `list_title`)
LIST_TITLES = {
    "all": N_("Open initiatives"),
    "stalled": N_("Stalled initiatives"),
    "escalated": N_("Waiting on the sponsor"),
    "proceeding": N_("Proceeding without all sign-offs"),
    "mine": N_("Your open initiatives"),
}


def list_title(show: str) -> str:
    return t(LIST_TITLES[show])


def open_list(page, show: str = "all", channel_id: str | None = None) -> list[dict]:
    """`/greenlight list`: one page of initiatives not yet closed, longest wait first."""
    heading = t("Longest wait first")
    if page.total:
        # Translators: {count} is a number, with '+' when the count stopped short: '120+'
        heading += " · " + tn("{count} in all", "{count} in all", page.total, count=page.counted)
    heading += " · " + t("in {channel}", channel=channel_link(channel_id)) if channel_id else ""
    lines = [initiative_row(ini, waits) for ini, waits in page.rows]
    return (
        [header(list_title(show))]
        + rows_blocks(heading, lines, t("Nothing is waiting. 🎉"), MAX_BLOCKS - 3)
        + paging([page], "list", show, channel_id)
    )


def _on(approver_id: str, reader_id: str) -> str:
    """Whom an approval waits on, as the person it waits on reads it: 'you', their user group (any one member
    answers), or the away approver they stand in for."""
    if is_group(approver_id):
        return t("{group} (any one member answers)", group=mention(approver_id))
    if reader_id and approver_id != reader_id:
        return t("{approver} (away; you stand in for them)", approver=mention(approver_id))
    return t("you")


def mine_blocks(mine) -> list[dict]:
    """`/greenlight mine`: one page each of what waits on me, what I own, what I sponsor."""
    deciding = [
        t(
            "*Decision:* {title} from {owner}: the sponsor {sponsor} has not decided, so you were asked in their "
            "place (`/greenlight proceed {reference}`, `extend` or `withdraw`)",
            title=title_of(ini),
            owner=mention(ini.owner_id),
            sponsor=mention(ini.sponsor_id),
            reference=ini.reference,
        )
        for ini, _ in mine.deciding.rows
    ]
    waiting = deciding + [
        t(
            "{title}: waiting on {on} for *{wait}* · {deadline} (`/greenlight approve {reference}` or `reject`)",
            title=title_of(ini),
            on=_on(w.approval.approver_id, mine.user_id),
            wait=w.text,
            deadline=deadline_of(ini),
            reference=ini.reference,
        )
        for ini, w in mine.waiting_on_me.rows
    ]
    owned = [f"{initiative_row(ini, waits)} · {t(STATUS_SHORT[ini.status])}" for ini, waits in mine.owned.rows]
    sponsored = [initiative_row(ini, waits) for ini, waits in mine.sponsored.rows]
    budget = (MAX_BLOCKS - 2) // 3  # the three lists share the message's 50 blocks with the page buttons

    def titled(title: str, *pages) -> str:
        total, more = sum(p.total for p in pages), any(p.more for p in pages)
        if total <= sum(len(p.rows) for p in pages):
            return title
        # Translators: a list's title and how many it holds in all: 'Waiting on you (1,234+)'
        return t("{title} ({count})", title=title, count=i18n.number(total) + ("+" if more else ""))

    return (
        rows_blocks(
            titled(t("Waiting on you"), mine.deciding, mine.waiting_on_me), waiting, t("Nothing waits on you."), budget
        )
        + rows_blocks(
            titled(t("Your initiatives"), mine.owned),
            owned,
            t("You own no open initiative. `/greenlight new` registers one."),
            budget,
        )
        + rows_blocks(titled(t("You sponsor"), mine.sponsored), sponsored, t("You sponsor no open initiative."), budget)
        + paging([mine.waiting_on_me, mine.owned, mine.sponsored, mine.deciding], "mine")
    )
