"""Messages about one initiative: announcement, sign-off requests, notices and the full story."""

from __future__ import annotations

from datetime import date, datetime

from bot import i18n, stages
from bot.blocks.common import actions, button, confirmation, context, header, message, section
from bot.blocks.ids import Action
from bot.i18n import N_, t, tn
from bot.text import channel_link, escape, mention, truncate

# An initiative's status as a reader sees it (translated where shown: `status_label`).
STATUS_LABEL = {
    "open": N_("open, waiting for sign-off"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
    "escalated": N_("escalated: waiting on the sponsor"),
    "proceeding": N_("proceeding without all sign-offs; report due"),
    "reported": N_("proceeded and reported"),
}
# The status in a few words, after a list row ('escalated' without whom it waits on)
STATUS_SHORT = {**STATUS_LABEL, "escalated": N_("escalated")}


RULE_NAMES = {"all": N_("all approvers"), "any": N_("any one approver")}


def status_label(status: str) -> str:
    """'open, waiting for sign-off' in the reader's language."""
    return t(STATUS_LABEL[status])


def capitalized(text: str) -> str:
    """The first letter upper case, the rest as written (`str.capitalize` would lower German nouns)."""
    return text[:1].upper() + text[1:]


def day(d: date) -> str:
    """'Mon 14 Dec 2026' (in the reader's language: i18n.day)."""
    return i18n.day(d)


def day_and_time(local: datetime) -> str:
    """'Mon 14 Dec 2026 09:00': a date and the time on its wall clock."""
    # Translators: a date and a time of day: 'Mon 14 Dec 2026 09:00'
    return t("{day} {time}", day=i18n.day(local.date()), time=i18n.clock(local))


def local_time(at: datetime, tz) -> str:
    """'Mon 14 Dec 2026 at 09:00' on the wall clock of `tz`: when a future step happens for someone."""
    local = at.astimezone(tz)
    # Translators: when something will happen: 'Mon 14 Dec 2026 at 09:00'
    return t("{day} at {time}", day=i18n.day(local.date()), time=i18n.clock(local))


def moment(at: datetime, fallback_tz) -> str:
    """A Slack date token that shows in the reader's time zone, with a readable fallback."""
    local = at.astimezone(fallback_tz)
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{day_and_time(local)}>"


def signer(a) -> str:
    """Who answered for an approval: '<@Marc>', or '<@Anna> for <@Marc>' when their delegate answered for them."""
    if not a.answered_by:
        return mention(a.approver_id)
    # Translators: a delegate answered for an approver who is away
    return t("{delegate} for {approver}", delegate=mention(a.answered_by), approver=mention(a.approver_id))


def deadline_of(ini) -> str:
    """'deadline Fri 18 Dec 2026', with how often it was extended."""
    if ini.extensions:
        return tn(
            "deadline {day} (extended {n}×)", "deadline {day} (extended {n}×)", ini.extensions, day=day(ini.deadline)
        )
    return t("deadline {day}", day=day(ini.deadline))


def title_of(ini) -> str:
    """'*GL-3* Quarterly training plan' with the title escaped."""
    return f"*{ini.reference}* {escape(ini.title)}"


def announcement(ini) -> dict:
    """The channel post that tells everyone an initiative was registered."""
    approvers = stages.outline(ini)
    if stages.count(ini) > 1:
        approvers = tn(
            "in {n} stage, one after the other: {approvers}",
            "in {n} stages, one after the other: {approvers}",
            stages.count(ini),
            approvers=approvers,
        )
    lines = [t("Approvers: {approvers}.", approvers=approvers)]
    required = [a for a in ini.approvals if a.required]
    if required:
        lines.append(
            t("Without the approval of {required}, it cannot proceed.", required=stages.required_names(required))
        )
    lines.append(
        t("Sponsor: {sponsor}. Deadline: {deadline}.", sponsor=mention(ini.sponsor_id), deadline=day(ini.deadline))
    )
    text = (
        t("{owner} registered {title} for sign-off.", owner=mention(ini.owner_id), title=title_of(ini))
        + "\n"
        + " ".join(lines)
    )
    blocks = [section(text)]
    if ini.details:
        blocks.append(context(escape(ini.details)))
    return message(t("{reference} registered: {title}", reference=ini.reference, title=escape(ini.title)), blocks)


def snooze_menu(ini) -> dict:
    """The longer snoozes beside the Snooze button (which snoozes until tomorrow): the value is 'id:choice'."""
    options = [
        (tn("Snooze for {n} business day", "Snooze for {n} business days", 3), "3"),
        (t("Snooze until next week"), "week"),
    ]
    return {
        "type": "overflow",
        "action_id": Action.SNOOZE_FOR.value,
        "options": [
            {"text": {"type": "plain_text", "text": truncate(label, 75)}, "value": f"{ini.id}:{choice}"}
            for label, choice in options
        ],
    }


def approver_buttons(ini) -> dict:
    """Approve, Reject, Snooze (until tomorrow, or longer from the menu) and Ask a question, for a pending approver."""
    value = str(ini.id)
    return actions(
        # Translators: a button: approve the initiative
        button(t("Approve"), Action.APPROVE, value, "primary"),
        # Translators: a button: reject the initiative
        button(t("Reject"), Action.REJECT, value, "danger"),
        # Translators: a button: no reminder until tomorrow
        button(t("Snooze"), Action.SNOOZE, value),
        button(t("Ask a question"), Action.ASK, value),
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
    consequences = t(
        "{owner} is told to go ahead and owes a report; the approvers still pending and the channel "
        "are told. They can still approve, but can no longer reject. This cannot be undone.",
        owner=mention(ini.owner_id),
    )
    question = t("Proceed with {reference} without all sign-offs?", reference=ini.reference)
    # Translators: a button (and its confirmation): go ahead without the missing sign-offs, report afterwards
    return irreversible(ini, t("Proceed and report"), Action.PROCEED, "primary", question, consequences)


def withdraw_button(ini) -> dict:
    """Withdraw, confirmed first: it closes the initiative for good."""
    consequences = t(
        "It is closed for good: the owner, the sponsor, the approvers still pending "
        "and the channel are told, and nobody is reminded any more. This cannot be undone."
    )
    question = t("Withdraw {reference}?", reference=ini.reference)
    # Translators: a button (and its confirmation): close the initiative for good
    return irreversible(ini, t("Withdraw"), Action.WITHDRAW, "danger", question, consequences)


def sponsor_buttons(ini) -> dict:
    """Proceed and report (unless a required approval is missing), Extend and Withdraw."""
    proceed = [] if stages.blocking(ini) else [proceed_button(ini)]
    # Translators: a button: extend the deadline
    return actions(*proceed, button(t("Extend"), Action.EXTEND, str(ini.id)), withdraw_button(ini))


def sponsor_decision(fallback: str, text: str, ini) -> dict:
    """A DM to the sponsor: the text, then Proceed and report, Extend and Withdraw (the first and last confirmed)."""
    return message(fallback, [section(text), sponsor_buttons(ini)])


def approval_request(ini, plan: str, stage: str = "", changed: str = "", group: str = "") -> dict:
    """The DM that asks an approver for sign-off (in `stage`, 'stage 2 of 3', if there are several); `changed`:
    what changed since it was rejected, when it was resubmitted."""
    who = {"owner": mention(ini.owner_id), "title": title_of(ini), "stage": stage}
    if not stage:
        asks = t("{owner} asks for your sign-off on {title}.", **who)
    elif stage == stages.label(ini, 0):
        asks = t("{owner} asks for your sign-off on {title} ({stage}).", **who)
    else:
        asks = t("{owner} asks for your sign-off on {title} ({stage}: the stages before have signed off).", **who)
    text = f"{asks}\n" + t("Deadline: *{deadline}*.", deadline=day(ini.deadline)) + f" {plan}"
    if group[:1] == "S":
        text += "\n" + t(
            "You are asked as a member of {group}: the first member to answer answers for the group.",
            group=mention(group),
        )
    blocks = [section(text)]
    if changed:
        resubmitted = t("*Resubmitted after a rejection* (round {round}). What changed:", round=ini.round)
        blocks.append(section(f"{resubmitted}\n>{escape(changed)}"))
    if ini.details:
        blocks.append(section(f">{escape(ini.details)}"))
    blocks.append(approver_buttons(ini))
    if changed:
        fallback = t(
            "{reference}: your sign-off is again, resubmitted on {title}",
            reference=ini.reference,
            title=escape(ini.title),
        )
    else:
        fallback = t(
            "{reference}: your sign-off is requested on {title}", reference=ini.reference, title=escape(ini.title)
        )
    return message(fallback, blocks)


def rejected_notice(ini, text: str, what: str) -> dict:
    """The owner told of a rejection, with the Resubmit button (a new round with what changed)."""
    return message(
        f"{ini.reference}: {what}",
        # Translators: a button: a new round after a rejection
        [section(text), actions(button(t("Resubmit"), Action.RESUBMIT, str(ini.id), "primary"))],
    )


def answered(ini, verdict: str) -> dict:
    """What a sign-off request turns into once it needs no more answer."""
    return message(f"{ini.reference}: {verdict}", [section(f"{title_of(ini)}\n{verdict}")])


def notice(ini, text: str, what: str | None = None) -> dict:
    """A one-section message about an initiative; `text` is mrkdwn already escaped. `what` says in the
    notification what the message is ('GL-1: deadline passed, …'); without it, the title."""
    return message(f"{ini.reference}: {what or escape(ini.title)}", [section(text)])


EVENT_PHRASES = {
    "registered": N_("registered it"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "ratified": N_("approved after the sponsor decided to proceed (ratified)"),
    "objected": N_("objected after the sponsor decided to proceed"),
    "withdrawn": N_("withdrew it"),
    "status_approved": N_("all needed sign-offs arrived: approved"),
    "stage_asked": N_("asked stage {stage} for sign-off"),
    "resubmitted": N_("resubmitted it: round {round}"),
    "nudged": N_("nudged {to}"),
    "last_call": N_("sent the last call to {to}"),
    "manual_nudge": N_("nudged the pending approvers"),
    "snoozed": N_("snoozed the reminders"),
    "question": N_("asked the owner a question"),
    "answered": N_("answered the open question"),
    "owner_reminded": N_("reminded the owner {to} of an open question"),
    "escalated": N_("deadline passed: asked the sponsor {to} to decide"),
    "sponsor_asked": N_("asked the sponsor {to} again"),
    "escalated_further": N_("the sponsor had not decided: asked {to} (escalate-to) to decide"),
    "escalated_further_nobody": N_(
        "the sponsor had not decided, and nobody could be asked: {to} (escalate-to) has nobody who could decide"
    ),
    "proceeded": N_("decided to proceed and report"),
    "extended": N_("extended the deadline"),
    "reported": N_("filed the report"),
    "report_reminded": N_("reminded {to} that the report is due"),
    "undeliverable": N_("could not deliver a message to {to}"),
    "settings_changed": N_("changed a setting"),
}


def history_line(event, tz, *, private: bool = False) -> str:
    """One line of the audit trail: when, who, what. `private`: the event's text is not for this reader."""
    who = mention(event.actor_id) if event.actor_id else "Greenlight"
    data = event.data or {}
    template = EVENT_PHRASES.get(event.kind)
    if template is None:  # a kind this version does not know: its name is all there is to show
        what = event.kind.replace("_", " ")
    else:
        what = t(
            template,
            to=mention(data["to"]) if data.get("to") else t("someone"),
            stage=data.get("stage", ""),
            round=data.get("round", ""),
        )
    if data.get("for"):  # a delegate acted for someone away
        # Translators: an event of the history, done for someone away (or as a member of a user group)
        what = t("{what} for {person}", what=what, person=mention(data["for"]))
    if data.get("deadline") and event.kind in ("extended", "registered", "resubmitted"):
        what = t("{what} (deadline {day})", what=what, day=day(date.fromisoformat(data["deadline"])))
    if data.get("group"):
        what = t("{what} for {person}", what=what, person=mention(data["group"]))
    if event.kind == "resubmitted" and data.get("fresh"):
        what = t("{what}, every approver asked again", what=what)
    text = data.get("comment") or data.get("reason") or data.get("note") or data.get("text")
    if text and not private:
        # Translators: something done, then the words that came with it (a comment, a reason), quoted
        what = t("{what}: “{text}”", what=what, text=escape(text[:200]))
    # Translators: who did what in the history: '<@U1> approved', 'Greenlight nudged <@U2>'
    return f"{day_and_time(event.at.astimezone(tz))} · " + t("{who} {what}", who=who, what=what)


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
    return actions(button(t("Older events"), Action.HISTORY, f"{ini.id}:{before_event_id}"))


def history(story, title: str) -> list[dict]:
    """A page of the audit trail (up to Slack's 50 blocks), newest last, with "Older events" when more remain."""
    from bot.calendar import zone

    blocks, oldest = history_page(history_lines(story, zone(story.timezone)), 46)
    ini = story.initiative
    head = [header(t("{reference} history", reference=ini.reference)), context(title)]
    if not blocks:
        return head + [section(t("No events before these."))]
    return head + blocks + ([older_events_button(ini, oldest)] if oldest else [])


def away_note(away: tuple | None) -> str:
    """', away until Fri 18 Dec 2026; <@D> stands in' for someone away now ((last day, stand-in or None)), or ''."""
    if not away:
        return ""
    last, delegate = away
    if delegate:
        return t(", away until {day}; {delegate} stands in", day=day(last), delegate=mention(delegate))
    return t(", away until {day}", day=day(last))


def approver_line(ini, wait, now=None, tz=None, away=None) -> str:
    """'<@U1> approved after 2 business days' or '<@U2> pending for 4 business days', with a snooze still running,
    an absence, or who the wait is on while their question to the owner is open."""
    a = wait.approval
    undecided = ini.status in ("open", "escalated")
    if a.decision == "queued":
        state = t("not asked yet") if undecided else t("was not asked")
    elif a.decision == "skipped":
        state = t("no answer needed: the stage was complete without it")
    elif a.decision == "pending":
        state = t("pending for *{wait}*", wait=wait.text) if undecided else t("did not answer ({wait})", wait=wait.text)
        if now and a.snoozed_until and a.snoozed_until > now and ini.status == "open":
            state = t("{state}, snoozed until {moment}", state=state, moment=moment(a.snoozed_until, tz))
        if a.asked_owner_at and undecided:
            state = t(
                "{state}, waiting on the owner {owner} to answer their question since {moment}",
                state=state,
                owner=mention(ini.owner_id),
                moment=moment(a.asked_owner_at, tz),
            )
        state += away_note(away)
    elif a.decision == "approved" and ini.proceeded_at and a.decided_at > ini.proceeded_at:
        state = t("ratified after {wait}", wait=wait.text)
    elif a.decision == "rejected" and ini.status in ("proceeding", "reported"):  # a rejection there is an objection
        state = t("*objected* after {wait}", wait=wait.text)
    elif a.decision == "approved":
        state = t("approved after {wait}", wait=wait.text)
    elif a.decision == "rejected":
        state = t("rejected after {wait}", wait=wait.text)
    else:
        state = f"{a.decision} after {wait.text}"  # no other decision reaches here
    who = t("{approver} (required)", approver=signer(a)) if a.required else signer(a)
    # Translators: an approver and where their approval stands: '<@U1> approved after 2 business days'
    line = t("{approver} {state}", approver=who, state=state)
    return t("{what}: “{text}”", what=line, text=escape(a.comment[:200])) if a.comment else line


def detail(story) -> list[dict]:
    """The blocks of `/greenlight show`: status, each approver's wait, deadline, history."""
    from bot.calendar import zone

    ini = story.initiative
    if stages.count(ini) == 1:
        rule = (
            t(RULE_NAMES[ini.rule])
            if ini.rule in RULE_NAMES
            else tn("{rule} of {n} approver", "{rule} of {n} approvers", len(ini.approvals), rule=ini.rule)
        )
        how = t("Rule: {rule} · {deadline}", rule=rule, deadline=deadline_of(ini))
    else:
        how = tn(
            "{n} stage, one after the other · {deadline}",
            "{n} stages, one after the other · {deadline}",
            stages.count(ini),
            deadline=deadline_of(ini),
        )
    lines = [
        t("Status: *{status}*", status=status_label(ini.status)),
        t(
            "Owner: {owner} · Sponsor: {sponsor}{away} · Channel: {channel}",
            owner=mention(ini.owner_id),
            sponsor=mention(ini.sponsor_id),
            away=away_note(story.away.get(ini.sponsor_id)),
            channel=channel_link(ini.channel_id),
        ),
        how,
    ]
    if ini.round > 1:
        lines.append(t("Round {round}: resubmitted after a rejection", round=ini.round))
    if ini.report_due and ini.status == "proceeding":
        lines.append(t("Report due: {day}", day=day(ini.report_due)))
    blocks = [header(f"{ini.reference} {ini.title}"), section("\n".join(lines))]
    if ini.details:
        blocks.append(context(escape(ini.details)))
    tz = zone(story.timezone)

    def lines(waits) -> str:
        return "\n".join(approver_line(ini, w, story.now, tz, story.away.get(w.approval.approver_id)) for w in waits)

    if stages.count(ini) == 1:
        blocks.append(section(t("*Approvers*") + "\n" + lines(story.waits)))
    for n, rule in enumerate(stages.rules(ini)) if stages.count(ini) > 1 else ():
        waits = [w for w in story.waits if w.approval.stage == n]
        # Translators: a stage that is asked now
        state = " · " + t("*waiting*") if n == stages.current(ini) and ini.status in ("open", "escalated") else ""
        head = f"*{stages.heading(ini, n)}* ({stages.rule_text(rule, len(waits))}){state}"
        blocks.append(section(head + "\n" + lines(waits)))
    if ini.report_text:
        blocks.append(section(t("*Report*") + f"\n>{escape(ini.report_text)}"))
    page, oldest = history_page(history_lines(story, zone(story.timezone)), 47 - len(blocks))
    if page:
        page[0] = section(t("*History*") + "\n" + page[0]["text"]["text"])
    blocks += page
    if oldest:
        blocks.append(older_events_button(ini, oldest))
    return blocks
