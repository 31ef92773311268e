"""The weekly summary as Slack messages: a main message, thread replies for what does not fit, and plain text."""

from __future__ import annotations

from bot import stages
from bot.blocks.common import HEADER_LIMIT, SECTION_LIMIT, context, header, message, section
from bot.blocks.initiatives import day, deadline_of, title_of
from bot.blocks.lists import pending_text
from bot.calendar import WEEKDAYS, describe_wait, zone
from bot.text import channel_link, mention, plain_from_slack, with_names

MAX_BLOCKS = 50
MAIN_ROWS = 5  # rows of each part shown in the main message; the rest go to the thread
MAX_REPLIES = 3  # thread replies at most; beyond them the list ends with "and N more"
LIST_HINT = "see `/greenlight list`"


def approvers(count: int) -> str:
    """'1 approver', '3 approvers': people by role, when the summary names nobody."""
    return f"{count} approver{'s' if count != 1 else ''}"


def pending_of(waits, names: bool) -> str:
    """'<@A> (4 business days), <@B> (2 business days)'; with names off '2 approvers (4 business days,
    2 business days)'."""
    if names:
        return pending_text(waits)
    return f"{approvers(len(waits))} ({', '.join(w.text for w in waits)})"


def stalled_row(item, names: bool) -> str:
    """'*GL-3* Title: waiting on <@A> (4 business days), <@B> (2 business days) · deadline Fri 18 Dec 2026'."""
    ini = item.initiative
    return (
        f"{title_of(ini)}: {stages.waiting_label(ini)}waiting on {pending_of(item.waits, names)} · {deadline_of(ini)}"
    )


def with_sponsor_row(item, names: bool) -> str:
    """An escalated initiative: how long its sponsor has had the decision, and who is still pending."""
    ini = item.initiative
    pending = f" · still pending: {pending_of(item.waits, names)}" if item.waits else ""
    sponsor = mention(ini.sponsor_id) if names else "the sponsor"
    return f"{title_of(ini)}: {sponsor} has had the decision for *{describe_wait(item.seconds)}*{pending}"


def proceeding_row(item, tz, names: bool) -> str:
    """A proceeding initiative: who went ahead, without whom, and when the report is due (overdue stands out)."""
    ini = item.initiative
    since = f" on {day(ini.proceeded_at.astimezone(tz).date())}" if ini.proceeded_at else ""
    missing = ", ".join(mention(w.approval.approver_id) for w in item.waits) if names else approvers(len(item.waits))
    without = f" without {missing}" if item.waits else ""
    if ini.report_due is None:
        due = "report due"
    elif item.overdue:
        due = f":warning: *report overdue since {day(ini.report_due)}*"
    else:
        due = f"report due {day(ini.report_due)}"
    sponsor = mention(ini.sponsor_id) if names else "the sponsor"
    return f"{title_of(ini)}: {sponsor} decided to proceed{since}{without} · {due}"


DECIDED_VERB = {
    "approved": "approved",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "reported": "proceeded and reported",
}


def decided_row(item, tz, names: bool) -> str:
    """'*GL-2* Title: rejected by <@B> on Wed 9 Dec 2026' ('by an approver' with names off)."""
    ini = item.initiative
    verb = DECIDED_VERB.get(ini.status, ini.status)
    if ini.status == "rejected":
        by = [a.approver_id for a in ini.approvals if a.decision == "rejected"]
        verb += (f" by {mention(by[0])}" if names else " by an approver") if by else ""
    return f"{title_of(ini)}: {verb} on {day(item.at.astimezone(tz).date())}"


def blocker_row(rank: int, blocker) -> str:
    """'1. <@A>: 9 business days of waiting on 3 initiatives'."""
    count = f"{blocker.initiatives} initiative{'s' if blocker.initiatives != 1 else ''}"
    return f"{rank}. {mention(blocker.approver_id)}: {describe_wait(blocker.seconds)} of waiting on {count}"


def role_rows(summary) -> list[str]:
    """With names off, instead of the top blockers: the waiting each role holds, summed, naming and ranking nobody."""
    rows = []
    for role, doing in (("approvers", "waiting"), ("sponsors", "deciding")):
        seconds, count = summary.roles[role]
        if count:
            rows.append(
                f"{role.capitalize()}: {describe_wait(seconds)} of {doing} on "
                f"{count} initiative{'s' if count != 1 else ''}"
            )
    return rows


def parts(summary) -> list[tuple[str, list[str], int]]:
    """The summary's non-empty parts as (title, rows, how many there are in all), in reading order. With
    `summary-names off` no person is named: waits are shown per initiative and role, and the top blockers become
    the waiting each role holds."""
    tz, names = zone(summary.timezone), summary.names
    since = summary.decided_since.astimezone(tz)
    counts = summary.counts
    found = [
        ("Stalled, longest wait first", [stalled_row(s, names) for s in summary.stalled], counts["stalled"]),
        ("Waiting on the sponsor", [with_sponsor_row(w, names) for w in summary.with_sponsor], counts["with_sponsor"]),
        (
            "Proceeding without all sign-offs",
            [proceeding_row(p, tz, names) for p in summary.proceeding],
            counts["proceeding"],
        ),
        (
            f"Decided last week (since {day(since.date())} {since:%H:%M})",
            [decided_row(d, tz, names) for d in summary.decided],
            len(summary.decided),
        ),
        ("Top blockers", [blocker_row(n, b) for n, b in enumerate(summary.blockers, start=1)], len(summary.blockers))
        if names
        else ("Waiting by role (names are off)", role_rows(summary), len(role_rows(summary))),
    ]
    return [(title, rows, total) for title, rows, total in found if rows]


def packed(title: str, rows: list[str]) -> list[tuple[dict, int]]:
    """Sections of a titled list, each under the section limit, with how many rows each holds."""
    out, chunk, size, count = [], [f"*{title}*"], len(title) + 2, 0
    for row in rows:
        row = row if len(row) <= SECTION_LIMIT - 100 else row[: SECTION_LIMIT - 101] + "…"
        if size + 1 + len(row) > SECTION_LIMIT:
            out.append((section("\n".join(chunk)), count))
            chunk, size, count = [], 0, 0
        chunk.append(row)
        size += len(row) + 1
        count += 1
    out.append((section("\n".join(chunk)), count))
    return out


def summary_messages(summary) -> list[dict]:
    """The main message, then thread replies with what did not fit; every one within Slack's limits."""
    found = parts(summary)
    counts = (
        f"{summary.counts['stalled']} stalled · {summary.counts['with_sponsor']} waiting on the sponsor · "
        f"{summary.counts['proceeding']} proceeding · {len(summary.decided)} decided last week"
    )
    title = f"Weekly summary · week of {day(summary.monday)}"
    main = [
        header(title[:HEADER_LIMIT]),
        context(
            f"{channel_link(summary.channel_id)} · {counts}. Waits count business days; "
            "`/greenlight show GL-n` tells the whole story."
        ),
    ]
    overflow = []
    for part_title, rows, total in found:
        shown, rest = rows[:MAIN_ROWS], rows[MAIN_ROWS:]
        if rest:
            shown = shown + [f"… and {total - MAIN_ROWS} more in the thread"]
            overflow.append((f"{part_title} (continued)", rest, total - MAIN_ROWS))
        main += [block for block, _ in packed(part_title, shown)]
    if not found:
        main.append(section("Nothing is waiting here. 🎉"))
    messages = [message(f"Greenlight weekly summary for the week of {day(summary.monday)}: {counts}", main)]
    return messages + thread_replies(overflow, title)


def thread_replies(overflow: list[tuple[str, list[str], int]], title: str) -> list[dict]:
    """Messages of at most MAX_BLOCKS blocks; past MAX_REPLIES, or past the rows the summary kept, the list ends
    with 'and N more'. `overflow`: (title, rows, how many rows there are in all)."""
    sections = [item for part_title, rows, _ in overflow for item in packed(part_title, rows)]
    if not sections:
        return []
    total = sum(count for _, _, count in overflow)
    room = MAX_REPLIES * MAX_BLOCKS
    if len(sections) > room or total > sum(count for _, count in sections):
        sections = sections[: room - 1]
        left = total - sum(count for _, count in sections)
        sections.append((section(f"… and {left} more, {LIST_HINT}"), 0))
    blocks = [block for block, _ in sections]
    chunks = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    return [message(f"{title} (continued, {n} of {len(chunks)})", chunk) for n, chunk in enumerate(chunks, start=1)]


def schedule_text(ws) -> str:
    """'on Mondays at 09:00 (Europe/Berlin)'."""
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
        WEEKDAYS.index(ws.summary_day)
    ]
    return f"on {weekday}s at {ws.summary_time} ({ws.timezone})"


def preview_message(summary, ws) -> dict:
    """`/greenlight summary`: the main message as it would be posted now, and where the rest would go."""
    schedule = schedule_text(ws)
    if not summary.waiting:
        return message(
            "No weekly summary for this channel",
            [
                section(
                    "This channel gets no weekly summary: no initiative announced here is waiting. "
                    f"Summaries are posted {schedule} in each channel that has initiatives not yet closed."
                )
            ],
        )
    messages = summary_messages(summary)
    note = f"Preview, only you see it. Posted in this channel {schedule}, once a week."
    if len(messages) > 1:
        note += f" The rest goes into {len(messages) - 1} thread repl{'ies' if len(messages) > 2 else 'y'}."
    return message(messages[0]["text"], messages[0]["blocks"][: MAX_BLOCKS - 1] + [context(note)])


def as_text(messages: list[dict], names: dict[str, str]) -> str:
    """The summary as plain text for operators, people shown by name when known."""
    lines = []
    for n, msg in enumerate(messages):
        if n:
            lines.append(f"\n--- in the thread ({n} of {len(messages) - 1}) ---")
        for block in msg.get("blocks", []):
            texts = [block["text"]["text"]] if "text" in block else [e["text"] for e in block.get("elements", [])]
            for text in texts:
                lines.append(plain_from_slack(with_names(text, names)))
    return "\n".join(lines)
