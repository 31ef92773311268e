"""The weekly summary as Slack messages: a main message, thread replies for what does not fit, and plain text."""

from __future__ import annotations

from bot import stages
from bot.blocks.common import HEADER_LIMIT, SECTION_LIMIT, context, header, message, section
from bot.blocks.initiatives import day, day_and_time, deadline_of, title_of
from bot.blocks.lists import pending_text
from bot.calendar import WEEKDAYS, describe_wait, zone
from bot.i18n import N_, t, tn
from bot.text import channel_link, mention, plain_from_slack, with_names

MAX_BLOCKS = 50
MAIN_ROWS = 5  # rows of each part shown in the main message; the rest go to the thread
MAX_REPLIES = 3  # thread replies at most; beyond them the list ends with "and N more"


def approvers(count: int) -> str:
    """'1 approver', '3 approvers': people by role, when the summary names nobody."""
    return tn("{n} approver", "{n} approvers", count)


def pending_of(waits, names: bool) -> str:
    """'<@A> (4 business days), <@B> (2 business days)'; with names off '2 approvers (4 business days,
    2 business days)'."""
    if names:
        return pending_text(waits)
    # Translators: how many approvers, and how long each has kept it waiting: '2 approvers (4 business days, …)'
    return t("{approvers} ({waits})", approvers=approvers(len(waits)), waits=", ".join(w.text for w in waits))


def stalled_row(item, names: bool) -> str:
    """'*GL-3* Title: waiting on <@A> (4 business days), <@B> (2 business days) · deadline Fri 18 Dec 2026'."""
    ini = item.initiative
    # Translators: {stage} is empty or 'stage 2 of 3: '
    return t(
        "{title}: {stage}waiting on {pending} · {deadline}",
        title=title_of(ini),
        stage=stages.waiting_label(ini),
        pending=pending_of(item.waits, names),
        deadline=deadline_of(ini),
    )


def with_sponsor_row(item, names: bool) -> str:
    """An escalated initiative: how long its sponsor has had the decision, and who is still pending."""
    ini = item.initiative
    values = {
        "title": title_of(ini),
        "sponsor": mention(ini.sponsor_id) if names else t("the sponsor"),
        "wait": describe_wait(item.seconds),
    }
    if item.waits:
        return t(
            "{title}: {sponsor} has had the decision for *{wait}* · still pending: {pending}",
            pending=pending_of(item.waits, names),
            **values,
        )
    return t("{title}: {sponsor} has had the decision for *{wait}*", **values)


def proceeding_row(item, tz, names: bool) -> str:
    """A proceeding initiative: who went ahead, without whom, and when the report is due (overdue stands out)."""
    ini = item.initiative
    since = t(" on {day}", day=day(ini.proceeded_at.astimezone(tz).date())) if ini.proceeded_at else ""
    missing = ", ".join(mention(w.approval.approver_id) for w in item.waits) if names else approvers(len(item.waits))
    without = t(" without {missing}", missing=missing) if item.waits else ""
    if ini.report_due is None:
        due = t("report due")
    elif item.overdue:
        due = ":warning: " + t("*report overdue since {day}*", day=day(ini.report_due))
    else:
        due = t("report due {day}", day=day(ini.report_due))
    # Translators: {since} is empty or ' on Mon 14 Dec 2026'; {without} is empty or ' without <@A>, <@B>'
    return t(
        "{title}: {sponsor} decided to proceed{since}{without} · {due}",
        title=title_of(ini),
        sponsor=mention(ini.sponsor_id) if names else t("the sponsor"),
        since=since,
        without=without,
        due=due,
    )


DECIDED_VERB = {
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
    "reported": N_("proceeded and reported"),
}


def decided_row(item, tz, names: bool) -> str:
    """'*GL-2* Title: rejected by <@B> on Wed 9 Dec 2026' ('by an approver' with names off)."""
    ini = item.initiative
    verb = t(DECIDED_VERB[ini.status]) if ini.status in DECIDED_VERB else ini.status
    by = [a.approver_id for a in ini.approvals if a.decision == "rejected"] if ini.status == "rejected" else []
    if by:
        verb = t("rejected by {approver}", approver=mention(by[0])) if names else t("rejected by an approver")
    # Translators: an initiative, how it was decided and when: '*GL-2* Title: approved on Wed 9 Dec 2026'
    return t("{title}: {verb} on {day}", title=title_of(ini), verb=verb, day=day(item.at.astimezone(tz).date()))


def blocker_row(rank: int, blocker) -> str:
    """'1. <@A>: 9 business days of waiting on 3 initiatives'."""
    return tn(
        "{rank}. {approver}: {wait} of waiting on {n} initiative",
        "{rank}. {approver}: {wait} of waiting on {n} initiatives",
        blocker.initiatives,
        rank=rank,
        approver=mention(blocker.approver_id),
        wait=describe_wait(blocker.seconds),
    )


def role_rows(summary) -> list[str]:
    """With names off, instead of the top blockers: the waiting each role holds, summed, naming and ranking nobody."""
    rows = []
    seconds, count = summary.roles["approvers"]
    if count:
        rows.append(
            tn(
                "Approvers: {wait} of waiting on {n} initiative",
                "Approvers: {wait} of waiting on {n} initiatives",
                count,
                wait=describe_wait(seconds),
            )
        )
    seconds, count = summary.roles["sponsors"]
    if count:
        rows.append(
            tn(
                "Sponsors: {wait} of deciding on {n} initiative",
                "Sponsors: {wait} of deciding on {n} initiatives",
                count,
                wait=describe_wait(seconds),
            )
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
        (t("Stalled, longest wait first"), [stalled_row(s, names) for s in summary.stalled], counts["stalled"]),
        (
            t("Waiting on the sponsor"),
            [with_sponsor_row(w, names) for w in summary.with_sponsor],
            counts["with_sponsor"],
        ),
        (
            t("Proceeding without all sign-offs"),
            [proceeding_row(p, tz, names) for p in summary.proceeding],
            counts["proceeding"],
        ),
        (
            t("Decided last week (since {when})", when=day_and_time(since)),
            [decided_row(d, tz, names) for d in summary.decided],
            len(summary.decided),
        ),
        (t("Top blockers"), [blocker_row(n, b) for n, b in enumerate(summary.blockers, start=1)], len(summary.blockers))
        if names
        else (t("Waiting by role (names are off)"), role_rows(summary), len(role_rows(summary))),
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
    counts = " · ".join(
        (
            tn("{n} stalled", "{n} stalled", summary.counts["stalled"]),
            tn("{n} waiting on the sponsor", "{n} waiting on the sponsor", summary.counts["with_sponsor"]),
            tn("{n} proceeding", "{n} proceeding", summary.counts["proceeding"]),
            tn("{n} decided last week", "{n} decided last week", len(summary.decided)),
        )
    )
    title = t("Weekly summary · week of {day}", day=day(summary.monday))
    main = [
        header(title[:HEADER_LIMIT]),
        context(
            t(
                "{channel} · {counts}. Waits count business days; `/greenlight show GL-n` tells the whole story.",
                channel=channel_link(summary.channel_id),
                counts=counts,
            )
        ),
    ]
    overflow = []
    for part_title, rows, total in found:
        shown, rest = rows[:MAIN_ROWS], rows[MAIN_ROWS:]
        if rest:
            shown = shown + [tn("… and {n} more in the thread", "… and {n} more in the thread", total - MAIN_ROWS)]
            overflow.append((t("{title} (continued)", title=part_title), rest, total - MAIN_ROWS))
        main += [block for block, _ in packed(part_title, shown)]
    if not found:
        main.append(section(t("Nothing is waiting here. 🎉")))
    fallback = t("Greenlight weekly summary for the week of {day}: {counts}", day=day(summary.monday), counts=counts)
    messages = [message(fallback, main)]
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
        sections.append(
            (section(tn("… and {n} more, see `/greenlight list`", "… and {n} more, see `/greenlight list`", left)), 0)
        )
    blocks = [block for block, _ in sections]
    chunks = [blocks[i : i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    return [
        message(t("{title} (continued, {number} of {total})", title=title, number=n, total=len(chunks)), chunk)
        for n, chunk in enumerate(chunks, start=1)
    ]


# A weekday that repeats, one sentence each: languages say 'on Mondays' in their own way ('montags', 'le lundi')
SCHEDULES = (
    N_("on Mondays at {time} ({zone})"),
    N_("on Tuesdays at {time} ({zone})"),
    N_("on Wednesdays at {time} ({zone})"),
    N_("on Thursdays at {time} ({zone})"),
    N_("on Fridays at {time} ({zone})"),
    N_("on Saturdays at {time} ({zone})"),
    N_("on Sundays at {time} ({zone})"),
)


def schedule_text(ws) -> str:
    """'on Mondays at 09:00 (Europe/Berlin)'."""
    return t(SCHEDULES[WEEKDAYS.index(ws.summary_day)], time=ws.summary_time, zone=ws.timezone)


def preview_message(summary, ws) -> dict:
    """`/greenlight summary`: the main message as it would be posted now, and where the rest would go."""
    schedule = schedule_text(ws)
    if not summary.waiting:
        return message(
            t("No weekly summary for this channel"),
            [
                section(
                    t(
                        "This channel gets no weekly summary: no initiative announced here is waiting. "
                        "Summaries are posted {schedule} in each channel that has initiatives not yet closed.",
                        schedule=schedule,
                    )
                )
            ],
        )
    messages = summary_messages(summary)
    note = t("Preview, only you see it. Posted in this channel {schedule}, once a week.", schedule=schedule)
    if len(messages) > 1:
        note += " " + tn(
            "The rest goes into {n} thread reply.", "The rest goes into {n} thread replies.", len(messages) - 1
        )
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
