"""Messages about one initiative: announcement, sign-off requests, notices and the full story."""

from __future__ import annotations

from datetime import date, datetime

from bot import stages
from bot.blocks.common import actions, button, confirmation, context, header, message, section
from bot.blocks.ids import Action
from bot.text import channel_link, escape, mention

STATUS_LABEL = {
    "open": "open, waiting for sign-off",
    "approved": "approved",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "escalated": "escalated: waiting on the sponsor",
    "proceeding": "proceeding without all sign-offs; report due",
    "reported": "proceeded and reported",
}


RULE_NAMES = {"all": "all approvers", "any": "any one approver"}


def day(d: date) -> str:
    """'Mon 14 Dec 2026'."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def local_time(at: datetime, tz) -> str:
    """'Mon 14 Dec 2026 at 09:00' on the wall clock of `tz`: when a future step happens for someone."""
    local = at.astimezone(tz)
    return f"{day(local.date())} at {local:%H:%M}"


def moment(at: datetime, fallback_tz) -> str:
    """A Slack date token that shows in the reader's time zone, with a readable fallback."""
    local = at.astimezone(fallback_tz)
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{day(local.date())} {local:%H:%M}>"


def signer(a) -> str:
    """Who answered for an approval: '<@Marc>', or '<@Anna> for <@Marc>' when their delegate answered for them."""
    return f"{mention(a.answered_by)} for {mention(a.approver_id)}" if a.answered_by else mention(a.approver_id)


def deadline_of(ini) -> str:
    """'deadline Fri 18 Dec 2026', with how often it was extended."""
    extended = f" (extended {ini.extensions}×)" if ini.extensions else ""
    return f"deadline {day(ini.deadline)}{extended}"


def title_of(ini) -> str:
    """'*GL-3* Quarterly training plan' with the title escaped."""
    return f"*{ini.reference}* {escape(ini.title)}"


def announcement(ini) -> dict:
    """The channel post that tells everyone an initiative was registered."""
    approvers = stages.outline(ini)
    if stages.count(ini) > 1:
        approvers = f"in {stages.count(ini)} stages, one after the other: {approvers}"
    required = [a for a in ini.approvals if a.required]
    if required:
        approvers += f". Without the approval of {stages.required_names(required)}, it cannot proceed"
    text = (
        f"{mention(ini.owner_id)} registered {title_of(ini)} for sign-off.\n"
        f"Approvers: {approvers}. Sponsor: {mention(ini.sponsor_id)}. Deadline: {day(ini.deadline)}."
    )
    blocks = [section(text)]
    if ini.details:
        blocks.append(context(escape(ini.details)))
    return message(f"{ini.reference} registered: {escape(ini.title)}", blocks)


def snooze_menu(ini) -> dict:
    """The longer snoozes beside the Snooze button (which snoozes until tomorrow): the value is 'id:choice'."""
    options = [("Snooze for 3 business days", "3"), ("Snooze until next week", "week")]
    return {
        "type": "overflow",
        "action_id": Action.SNOOZE_FOR.value,
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": f"{ini.id}:{choice}"} for label, choice in options
        ],
    }


def approver_buttons(ini) -> dict:
    """Approve, Reject, Snooze (until tomorrow, or longer from the menu) and Ask a question, for a pending approver."""
    value = str(ini.id)
    return actions(
        button("Approve", Action.APPROVE, value, "primary"),
        button("Reject", Action.REJECT, value, "danger"),
        button("Snooze", Action.SNOOZE, value),
        button("Ask a question", Action.ASK, value),
        snooze_menu(ini),
    )


def message_with_buttons(fallback: str, text: str, ini) -> dict:
    """A DM to a pending approver: the text, then Approve, Reject, Snooze and Ask a question."""
    return message(fallback, [section(text), approver_buttons(ini)])


def irreversible(ini, label: str, action: Action, style: str, question: str, consequences: str) -> dict:
    """A button whose click cannot be undone: Slack asks, with what it will do, before it acts."""
    return button(label, action, str(ini.id), style, confirmation(question, consequences, label, style))


def proceed_button(ini) -> dict:
    """Proceed and report, confirmed first: it cannot be undone."""
    consequences = (
        f"{mention(ini.owner_id)} is told to go ahead and owes a report; the approvers still pending and the channel "
        "are told. They can still approve, but can no longer reject. This cannot be undone."
    )
    question = f"Proceed with {ini.reference} without all sign-offs?"
    return irreversible(ini, "Proceed and report", Action.PROCEED, "primary", question, consequences)


def withdraw_button(ini) -> dict:
    """Withdraw, confirmed first: it closes the initiative for good."""
    consequences = (
        "It is closed for good: the owner, the sponsor, the approvers still pending "
        "and the channel are told, and nobody is reminded any more. This cannot be undone."
    )
    return irreversible(ini, "Withdraw", Action.WITHDRAW, "danger", f"Withdraw {ini.reference}?", consequences)


def sponsor_buttons(ini) -> dict:
    """Proceed and report (unless a required approval is missing), Extend and Withdraw."""
    proceed = [] if stages.blocking(ini) else [proceed_button(ini)]
    return actions(*proceed, button("Extend", Action.EXTEND, str(ini.id)), withdraw_button(ini))


def sponsor_decision(fallback: str, text: str, ini) -> dict:
    """A DM to the sponsor: the text, then Proceed and report, Extend and Withdraw (the first and last confirmed)."""
    return message(fallback, [section(text), sponsor_buttons(ini)])


def approval_request(ini, plan: str, stage: str = "", changed: str = "", group: str = "") -> dict:
    """The DM that asks an approver for sign-off (in `stage`, 'stage 2 of 3', if there are several); `changed`:
    what changed since it was rejected, when it was resubmitted."""
    where = f" ({stage}: the stages before have signed off)" if stage and not stage.startswith("stage 1 ") else ""
    where = where or (f" ({stage})" if stage else "")
    text = (
        f"{mention(ini.owner_id)} asks for your sign-off on {title_of(ini)}{where}.\n"
        f"Deadline: *{day(ini.deadline)}*. {plan}"
    )
    if group[:1] == "S":
        text += f"\nYou are asked as a member of {mention(group)}: the first member to answer answers for the group."
    blocks = [section(text)]
    if changed:
        blocks.append(
            section(f"*Resubmitted after a rejection* (round {ini.round}). What changed:\n>{escape(changed)}")
        )
    if ini.details:
        blocks.append(section(f">{escape(ini.details)}"))
    blocks.append(approver_buttons(ini))
    again = "again, resubmitted" if changed else "requested"
    return message(f"{ini.reference}: your sign-off is {again} on {escape(ini.title)}", blocks)


def rejected_notice(ini, text: str, what: str) -> dict:
    """The owner told of a rejection, with the Resubmit button (a new round with what changed)."""
    return message(
        f"{ini.reference}: {what}",
        [section(text), actions(button("Resubmit", Action.RESUBMIT, str(ini.id), "primary"))],
    )


def answered(ini, verdict: str) -> dict:
    """What a sign-off request turns into once it needs no more answer."""
    return message(f"{ini.reference}: {verdict}", [section(f"{title_of(ini)}\n{verdict}")])


def notice(ini, text: str, what: str | None = None) -> dict:
    """A one-section message about an initiative; `text` is mrkdwn already escaped. `what` says in the
    notification what the message is ('GL-1: deadline passed, …'); without it, the title."""
    return message(f"{ini.reference}: {what or escape(ini.title)}", [section(text)])


EVENT_PHRASES = {
    "registered": "registered it",
    "approved": "approved",
    "rejected": "rejected",
    "ratified": "approved after the sponsor decided to proceed (ratified)",
    "objected": "objected after the sponsor decided to proceed",
    "withdrawn": "withdrew it",
    "status_approved": "all needed sign-offs arrived: approved",
    "stage_asked": "asked stage {stage} for sign-off",
    "resubmitted": "resubmitted it: round {round}",
    "nudged": "nudged {to}",
    "last_call": "sent the last call to {to}",
    "manual_nudge": "nudged the pending approvers",
    "snoozed": "snoozed the reminders",
    "question": "asked the owner a question",
    "answered": "answered the open question",
    "owner_reminded": "reminded the owner {to} of an open question",
    "escalated": "deadline passed: asked the sponsor {to} to decide",
    "sponsor_asked": "asked the sponsor {to} again",
    "escalated_further": "the sponsor had not decided: asked {to} (escalate-to) to decide",
    "escalated_further_nobody": "the sponsor had not decided, and nobody could be asked: {to} (escalate-to) has "
    "nobody who could decide",
    "proceeded": "decided to proceed and report",
    "extended": "extended the deadline",
    "reported": "filed the report",
    "report_reminded": "reminded {to} that the report is due",
    "undeliverable": "could not deliver a message to {to}",
    "settings_changed": "changed a setting",
}


def history_line(event, tz, *, private: bool = False) -> str:
    """One line of the audit trail: when, who, what. `private`: the event's text is not for this reader."""
    who = mention(event.actor_id) if event.actor_id else "Greenlight"
    data = event.data or {}
    template = EVENT_PHRASES.get(event.kind, event.kind.replace("_", " "))
    what = template.format(
        to=mention(data["to"]) if data.get("to") else "someone",
        stage=data.get("stage", ""),
        round=data.get("round", ""),
    )
    if data.get("for"):  # a delegate acted for someone away
        what += f" for {mention(data['for'])}"
    if data.get("deadline") and event.kind in ("extended", "registered", "resubmitted"):
        what += f" (deadline {day(date.fromisoformat(data['deadline']))})"
    if data.get("group"):
        what += f" for {mention(data['group'])}"
    if event.kind == "resubmitted" and data.get("fresh"):
        what += ", every approver asked again"
    text = data.get("comment") or data.get("reason") or data.get("note") or data.get("text")
    if text and not private:
        what += f": “{escape(text[:200])}”"
    local = event.at.astimezone(tz)
    return f"{day(local.date())} {local:%H:%M} · {who} {what}"


HISTORY_PACK = 2900  # history lines packed into a section up to this many characters (a section takes 3,000)


def history_lines(story, tz) -> list[tuple[int, str]]:
    """(event id, line) of the story's audit trail as its reader may read it, oldest first."""
    return [(e.id, history_line(e, tz, private=story.hides_text(e))) for e in story.events]


def history_page(lines: list[tuple[int, str]], budget: int) -> tuple[list[dict], int | None]:
    """The newest history lines that fit in `budget` sections, oldest first, and the id of the oldest shown
    when older lines remain (for the "Older events" button); `lines` are (event id, line), oldest first."""
    chunks: list[list[str]] = [[]]
    shown = 0
    for _, line in reversed(lines):
        if sum(len(x) + 1 for x in chunks[-1]) + len(line) > HISTORY_PACK:
            if len(chunks) == budget:
                break
            chunks.append([])
        chunks[-1].append(line)
        shown += 1
    blocks = [section("\n".join(reversed(chunk))) for chunk in reversed(chunks) if chunk]
    oldest = lines[len(lines) - shown][0] if shown < len(lines) else None
    return blocks, oldest


def older_events_button(ini, before_event_id: int) -> dict:
    """The button that shows the events before this one."""
    return actions(button("Older events", Action.HISTORY, f"{ini.id}:{before_event_id}"))


def history(story, title: str) -> list[dict]:
    """A page of the audit trail (up to Slack's 50 blocks), newest last, with "Older events" when more remain."""
    from bot.calendar import zone

    blocks, oldest = history_page(history_lines(story, zone(story.timezone)), 46)
    ini = story.initiative
    head = [header(f"{ini.reference} history"), context(title)]
    if not blocks:
        return head + [section("No events before these.")]
    return head + blocks + ([older_events_button(ini, oldest)] if oldest else [])


def away_note(away: tuple | None) -> str:
    """', away until Fri 18 Dec 2026; <@D> stands in' for someone away now ((last day, stand-in or None)), or ''."""
    if not away:
        return ""
    last, delegate = away
    return f", away until {day(last)}" + (f"; {mention(delegate)} stands in" if delegate else "")


def approver_line(ini, wait, now=None, tz=None, away=None) -> str:
    """'<@U1> approved after 2 business days' or '<@U2> pending for 4 business days', with a snooze still running,
    an absence, or who the wait is on while their question to the owner is open."""
    a = wait.approval
    if a.decision == "queued":
        state = "not asked yet" if ini.status in ("open", "escalated") else "was not asked"
    elif a.decision == "skipped":
        state = "no answer needed: the stage was complete without it"
    elif a.decision == "pending":
        state = f"pending for *{wait.text}*" if ini.status in ("open", "escalated") else f"did not answer ({wait.text})"
        if now and a.snoozed_until and a.snoozed_until > now and ini.status == "open":
            state += f", snoozed until {moment(a.snoozed_until, tz)}"
        if a.asked_owner_at and ini.status in ("open", "escalated"):
            state += f", waiting on the owner {mention(ini.owner_id)} to answer their question since {moment(a.asked_owner_at, tz)}"
        state += away_note(away)
    elif a.decision == "approved" and ini.proceeded_at and a.decided_at > ini.proceeded_at:
        state = f"ratified after {wait.text}"
    elif a.decision == "rejected" and ini.status in ("proceeding", "reported"):  # a rejection there is an objection
        state = f"*objected* after {wait.text}"
    else:
        state = f"{a.decision} after {wait.text}"
    comment = f": “{escape(a.comment[:200])}”" if a.comment else ""
    required = " (required)" if a.required else ""
    return f"{signer(a)}{required} {state}{comment}"


def detail(story) -> list[dict]:
    """The blocks of `/greenlight show`: status, each approver's wait, deadline, history."""
    from bot.calendar import zone

    ini = story.initiative
    lines = [
        f"Status: *{STATUS_LABEL[ini.status]}*",
        f"Owner: {mention(ini.owner_id)} · Sponsor: {mention(ini.sponsor_id)}{away_note(story.away.get(ini.sponsor_id))}"
        f" · Channel: {channel_link(ini.channel_id)}",
        f"Rule: {RULE_NAMES.get(ini.rule, f'{ini.rule} of {len(ini.approvals)} approvers')} · {deadline_of(ini)}"
        if stages.count(ini) == 1
        else f"{stages.count(ini)} stages, one after the other · {deadline_of(ini)}",
    ]
    if ini.round > 1:
        lines.append(f"Round {ini.round}: resubmitted after a rejection")
    if ini.report_due and ini.status == "proceeding":
        lines.append(f"Report due: {day(ini.report_due)}")
    blocks = [header(f"{ini.reference} {ini.title}"), section("\n".join(lines))]
    if ini.details:
        blocks.append(context(escape(ini.details)))
    tz = zone(story.timezone)

    def lines(waits) -> str:
        return "\n".join(approver_line(ini, w, story.now, tz, story.away.get(w.approval.approver_id)) for w in waits)

    if stages.count(ini) == 1:
        blocks.append(section("*Approvers*\n" + lines(story.waits)))
    for n, rule in enumerate(stages.rules(ini)) if stages.count(ini) > 1 else ():
        waits = [w for w in story.waits if w.approval.stage == n]
        state = " · *waiting*" if n == stages.current(ini) and ini.status in ("open", "escalated") else ""
        head = f"*{stages.label(ini, n).capitalize()}* ({stages.rule_text(rule, len(waits))}){state}"
        blocks.append(section(head + "\n" + lines(waits)))
    if ini.report_text:
        blocks.append(section(f"*Report*\n>{escape(ini.report_text)}"))
    page, oldest = history_page(history_lines(story, zone(story.timezone)), 47 - len(blocks))
    if page:
        page[0] = section("*History*\n" + page[0]["text"]["text"])
    blocks += page
    if oldest:
        blocks.append(older_events_button(ini, oldest))
    return blocks
