"""Ephemeral replies to commands: help, list and mine."""

from __future__ import annotations

from bot import stages
from bot.blocks.common import actions, button, context, header, section
from bot.blocks.ids import Action
from bot.blocks.initiatives import STATUS_LABEL, day, deadline_of, title_of
from bot.parsing import USAGE
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
    lines = [f"`{escape(usage)}`  e.g. `{escape(EXAMPLES.get(name, usage))}`" for name, usage in USAGE.items()]
    return (
        "*Greenlight* keeps approvals from stalling. The *owner* registers an initiative; each *approver* answers "
        "Approve or Reject; the *sponsor* decides at the deadline whether to *proceed and report*: go ahead without "
        "the missing sign-offs, and the owner reports the results afterwards. Reminders come in each person's "
        "working hours; *business days* are working days minus public holidays (yours: `/greenlight me`).\n"
        + "\n".join(lines)
        + "\n`in N days` counts business days. References can be written GL-12, gl-12 or 12."
    )


def pending_text(waits) -> str:
    return ", ".join(f"{mention(w.approval.approver_id)} ({w.text})" for w in waits) or "nobody"


def initiative_row(ini, waits) -> str:
    """One line for lists: reference, title, status, who it waits on and since when."""
    if ini.status == "proceeding":
        due = f"report due {day(ini.report_due)}" if ini.report_due else "report due"
        return f"{title_of(ini)}: proceeding, {due}"
    state = "waiting on the sponsor " + mention(ini.sponsor_id) + "; " if ini.status == "escalated" else ""
    return f"{title_of(ini)}: {state}{stages.waiting_label(ini)}pending {pending_text(waits)} · {deadline_of(ini)}"


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
        chunk.append(f"… and {len(rows) - shown} more")
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
            ("Previous page", Action.PREVIOUS_PAGE, number - 1),
            ("Next page", Action.NEXT_PAGE, number + 1),
        )
        if 1 <= to <= last or (more and to > last)
    ]
    return [context(f"Page {number} of {last}" + ("+" if more else ""))] + ([actions(*buttons)] if buttons else [])


LIST_TITLES = {
    "all": "Open initiatives",
    "stalled": "Stalled initiatives",
    "escalated": "Waiting on the sponsor",
    "proceeding": "Proceeding without all sign-offs",
    "mine": "Your open initiatives",
}


def open_list(page, show: str = "all", channel_id: str | None = None) -> list[dict]:
    """`/greenlight list`: one page of initiatives not yet closed, longest wait first."""
    heading = "Longest wait first" + (f" · {page.counted} in all" if page.total else "")
    heading += f" · in {channel_link(channel_id)}" if channel_id else ""
    lines = [initiative_row(ini, waits) for ini, waits in page.rows]
    return (
        [header(LIST_TITLES[show])]
        + rows_blocks(heading, lines, "Nothing is waiting. 🎉", MAX_BLOCKS - 3)
        + paging([page], "list", show, channel_id)
    )


def _on(approver_id: str) -> str:
    """Whom an approval waits on, as its approver reads it: 'you', or their user group (any one member answers)."""
    return f"{mention(approver_id)} (any one member answers)" if is_group(approver_id) else "you"


def mine_blocks(mine) -> list[dict]:
    """`/greenlight mine`: one page each of what waits on me, what I own, what I sponsor."""
    deciding = [
        f"*Decision:* {title_of(ini)} from {mention(ini.owner_id)}: the sponsor {mention(ini.sponsor_id)} has not "
        f"decided, so you were asked in their place (`/greenlight proceed {ini.reference}`, `extend` or `withdraw`)"
        for ini, _ in mine.deciding.rows
    ]
    waiting = deciding + [
        f"{title_of(ini)}: waiting on {_on(w.approval.approver_id)} for *{w.text}* · {deadline_of(ini)} "
        f"(`/greenlight approve {ini.reference}` or `reject`)"
        for ini, w in mine.waiting_on_me.rows
    ]
    owned = [
        initiative_row(ini, waits) + f" · {STATUS_LABEL[ini.status].split(':')[0]}" for ini, waits in mine.owned.rows
    ]
    sponsored = [initiative_row(ini, waits) for ini, waits in mine.sponsored.rows]
    budget = (MAX_BLOCKS - 2) // 3  # the three lists share the message's 50 blocks with the page buttons

    def titled(title: str, *pages) -> str:
        total, more = sum(p.total for p in pages), any(p.more for p in pages)
        return f"{title} ({total:,}{'+' if more else ''})" if total > sum(len(p.rows) for p in pages) else title

    return (
        rows_blocks(
            titled("Waiting on you", mine.deciding, mine.waiting_on_me), waiting, "Nothing waits on you.", budget
        )
        + rows_blocks(
            titled("Your initiatives", mine.owned),
            owned,
            "You own no open initiative. `/greenlight new` registers one.",
            budget,
        )
        + rows_blocks(titled("You sponsor", mine.sponsored), sponsored, "You sponsor no open initiative.", budget)
        + paging([mine.waiting_on_me, mine.owned, mine.sponsored, mine.deciding], "mine")
    )
