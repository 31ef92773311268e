"""Who is told what when something happened: each function turns one change into its outbox rows.

Services decide (they change state and call the notice of what happened); notices say (recipients,
words, the key of each logical message from bot/keys.py); blocks draw (bot/blocks/). A notice only
builds rows; the caller enqueues them, so that a sweep writes a whole batch in one statement.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot import keys, stages
from bot.blocks import initiatives as msg
from bot.blocks.common import actions, button, context, section
from bot.blocks.common import message as payload
from bot.blocks.digest import without_buttons
from bot.blocks.ids import Action
from bot.calendar import describe_wait, zone
from bot.services.outbox import message as row
from bot.services.workspaces import Calendars
from bot.text import escape, mention
from storage.enums import Decision, Status
from storage.models import Absence, Approval, Initiative, OutboxMessage


def _to(ini: Initiative, key: str, recipient: str, body: dict, now: datetime, **kw) -> dict:
    return row(ini.team_id, key, recipient, body, now=now, initiative_id=ini.id, **kw)


def quoted(text: str) -> str:
    """A person's own words under a message, escaped: '\n>text', or nothing."""
    return f"\n>{escape(text)}" if text else ""


# ---- registration -------------------------------------------------------------------------------


def plan_text(ini: Initiative, reminder_on: date | None) -> str:
    """What happens if the approver stays silent."""
    reminder = f"I'll remind you on {msg.day(reminder_on)} if you haven't answered. " if reminder_on else ""
    return (
        f"{reminder}If sign-off is still missing at the end of {msg.day(ini.deadline)}, "
        f"{mention(ini.sponsor_id)} will be asked whether to proceed without it."
    )


def sponsor_told(ini: Initiative, cal: Calendars, now: datetime) -> dict:
    """The sponsor learns at registration that they are the sponsor, and when they would be asked to decide."""
    asked_at = cal.working_moment(ini.team_id, ini.sponsor_id, ini.escalate_at)
    approvers = (
        stages.outline(ini) if stages.count(ini) > 1 else ", ".join(mention(a.approver_id) for a in ini.approvals)
    )
    text = (
        f"You are the sponsor of {msg.title_of(ini)}, registered by {mention(ini.owner_id)} for sign-off by "
        f"{approvers}. Nothing to do now. If sign-off is still missing at the end of *{msg.day(ini.deadline)}*, "
        f"you will be asked on {msg.local_time(asked_at, cal.tz(ini.team_id, ini.sponsor_id))} your time whether "
        "to *proceed and report* (go ahead without the missing sign-offs; the owner reports the results "
        "afterwards), extend the deadline, or withdraw it."
    )
    decides_on = msg.day(asked_at.astimezone(cal.tz(ini.team_id, ini.sponsor_id)).date())
    body = msg.notice(ini, text, f"you are the sponsor; you decide on {decides_on} if sign-off is missing")
    return _to(ini, keys.sponsor_told(ini.id), ini.sponsor_id, body, now)


def registered(ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The channel's announcement, the sponsor told they are the sponsor, and each approver's sign-off request
    (their first reminder already scheduled)."""
    rows = [_to(ini, keys.announcement(ini.id), ini.channel_id, msg.announcement(ini), now)]
    if ini.sponsor_id != ini.owner_id:
        rows.append(sponsor_told(ini, cal, now))
    return rows + sign_off_requests(ini, ini.pending, cal, now)


def sign_off_requests(
    ini: Initiative, approvals: list[Approval], cal: Calendars, now: datetime, changed: str = ""
) -> list[dict]:
    """Each of these approvers asked for sign-off (their first reminder already scheduled); `changed`: what changed
    since the rejection, when it was resubmitted."""
    rows = []
    for a in approvals:
        reminder = a.next_nudge_at.astimezone(cal.tz(ini.team_id, a.approver_id)).date() if a.next_nudge_at else None
        rows.append(
            _to(
                ini,
                keys.sign_off_request(a.id, ini.round),
                a.approver_id,
                msg.approval_request(
                    ini, plan_text(ini, reminder), stages.label(ini, a.stage), changed, group=a.approver_id
                ),
                now,
            )
        )
    return rows


def resubmitted(
    ini: Initiative, asked: list[Approval], changed: str, fresh: bool, cal: Calendars, now: datetime
) -> list[dict]:
    """A rejected initiative resubmitted: the approvers asked again with what changed; the sponsor and the channel
    told of the new round."""
    kept = [a for a in ini.approvals if a.decision == Decision.APPROVED]
    standing = (
        "Every approver is asked again (a fresh start)."
        if fresh
        else f"The approvals of {', '.join(mention(a.approver_id) for a in kept)} stand."
        if kept
        else ""
    )
    text = (
        f"{mention(ini.owner_id)} *resubmitted* {msg.title_of(ini)} after its rejection (round {ini.round}). "
        f"What changed:{quoted(changed)}\nNew deadline: *{msg.day(ini.deadline)}*. {standing}"
    )
    what = f"resubmitted (round {ini.round}), new deadline {msg.day(ini.deadline)}"
    told = [
        _to(ini, keys.resubmitted(ini.id, to, ini.round), to, msg.notice(ini, text, what), now)
        for to in dict.fromkeys([ini.sponsor_id, ini.channel_id])
        if to != ini.owner_id
    ]
    return sign_off_requests(ini, asked, cal, now, changed) + told


def stage_asked(ini: Initiative, asked: list[Approval], cal: Calendars, now: datetime) -> list[dict]:
    """The stage before is complete: the next stage's approvers are asked, and the owner is told."""
    stage = asked[0].stage
    text = (
        f"{stages.label(ini, stage - 1).capitalize()} of {msg.title_of(ini)} is complete. I asked "
        f"{', '.join(mention(a.approver_id) for a in asked)} ({stages.label(ini, stage)}) for sign-off."
    )
    told = _to(
        ini,
        keys.stage_asked(ini.id, stage, ini.round),
        ini.owner_id,
        msg.notice(ini, text, f"{stages.label(ini, stage)} asked for sign-off"),
        now,
    )
    return [*sign_off_requests(ini, asked, cal, now), told]


# ---- answers and decisions ----------------------------------------------------------------------


def settled_requests(ini: Initiative, now: datetime, verdicts: dict[int, str]) -> list[dict]:
    """Replace the buttons of sign-off requests that need no more answer ({approval id: what happened})."""
    return [
        _to(
            ini,
            keys.request_settled(a.id, ini.status, a.decision, ini.round),
            a.approver_id,
            msg.answered(
                ini,
                f"{mention(a.answered_by)} {a.decision} it for {mention(a.approver_id)}."
                if a.answered_by
                else verdicts[a.id],
            ),
            now,
            method="chat.update",
            target_key=keys.sign_off_request(a.id, ini.round),
        )
        for a in ini.approvals
        if a.id in verdicts
    ]


def buttons_spent(
    ini: Initiative, targets: list[tuple[str, str, dict | None]], verdicts: dict[str, str], now: datetime
) -> list[dict]:
    """Replace the buttons of earlier messages ((recipient, outbox key, payload of one of several initiatives) each)
    with a short record of what happened ({person: verdict}); one of several initiatives keeps its text."""
    return [
        _to(
            ini,
            keys.buttons_spent(key),
            person,
            msg.answered(ini, verdicts[person])
            if several is None
            else without_buttons(
                several,
                f"{msg.title_of(ini)}: {verdicts[person]} The buttons here are gone; your App Home lists what still "
                "waits on you.",
            ),
            now,
            method="chat.update",
            target_key=key,
        )
        for person, key, several in targets
    ]


def approval_counted(ini: Initiative, a: Approval, now: datetime) -> list[dict]:
    """An approval that does not yet decide: the approver's request settles, the owner hears 'n of m'."""
    tally = stages.tally(ini, a.stage)
    text = f"{msg.signer(a)} approved {msg.title_of(ini)} ({tally}).{quoted(a.comment or '')}"
    body = msg.notice(ini, text, f"approved by {tally}")
    told = _to(ini, keys.answer_to_owner(a.id, ini.round), ini.owner_id, body, now)
    return [*settled_requests(ini, now, {a.id: "You approved it. Thank you!"}), told]


def ratified(ini: Initiative, a: Approval, now: datetime) -> list[dict]:
    """An approval after the sponsor decided to proceed: recorded as a ratification, the owner told."""
    text = f"{msg.signer(a)} approved {msg.title_of(ini)} after the fact (ratified).{quoted(a.comment or '')}"
    return settled_requests(
        ini, now, {a.id: "You approved it after the sponsor decided to proceed: recorded as a ratification."}
    ) + [
        _to(
            ini,
            keys.answer_to_owner(a.id, ini.round),
            ini.owner_id,
            msg.notice(ini, text, "approved after the fact (ratified)"),
            now,
        )
    ]


def objected(ini: Initiative, a: Approval, now: datetime) -> list[dict]:
    """A rejection after the sponsor decided to proceed: an objection, told to the sponsor and the owner with its
    reason; the approver's earlier messages settle."""
    text = (
        f"{msg.signer(a)} *objects* to {msg.title_of(ini)}, which proceeds without all sign-offs. "
        f"Reason:{quoted(a.comment or '')}\nIt is recorded, shown in `/greenlight show {ini.reference}` and "
        "listed in the report; the decision to proceed stands."
    )
    return settled_requests(
        ini, now, {a.id: "You objected after the sponsor decided to proceed: recorded with your reason."}
    ) + [
        _to(ini, keys.objection(a.id, person), person, msg.notice(ini, text, "an objection from an approver"), now)
        for person in dict.fromkeys([ini.sponsor_id, ini.owner_id])
    ]


def decided(ini: Initiative, text: str, now: datetime, *, actor: str | None = None) -> list[dict]:
    """A decision (approved, rejected, withdrawn) reaches the owner and the sponsor by DM (not the one
    who made it) and the channel."""
    what = f"{ini.status}, {escape(ini.title)}"
    rows = [
        _to(
            ini,
            keys.decision(ini.id, ini.status, person, ini.round),
            person,
            msg.rejected_notice(ini, text, what)
            if person == ini.owner_id and ini.status == Status.REJECTED
            else msg.notice(ini, text, what),
            now,
        )
        for person in dict.fromkeys([ini.owner_id, ini.sponsor_id])
        if person != actor
    ]
    return rows + [
        _to(ini, keys.decision_note(ini.id, ini.status, ini.round), ini.channel_id, msg.notice(ini, text, what), now)
    ]


def no_answer_needed(ini: Initiative, pending: list[Approval], why: str, now: datetime) -> list[dict]:
    """Approvers still asked when the initiative closed: told they need not answer, their requests settled."""
    rows = [
        _to(
            ini,
            keys.no_answer_needed(ini.id, a.approver_id, ini.round),
            a.approver_id,
            msg.notice(
                ini,
                f"{msg.title_of(ini)} needs no answer from you any more: {why}",
                f"no answer needed from you any more ({ini.status})",
            ),
            now,
        )
        for a in pending
    ]
    return rows + settled_requests(ini, now, {a.id: f"No answer needed any more: {why}" for a in pending})


def sponsor_question_settled(ini: Initiative, now: datetime, why: str, round: int | None = None) -> list[dict]:
    """Replace the buttons of the sponsor's escalation DM: there is nothing left to decide."""
    round = ini.extensions if round is None else round
    return [
        _to(
            ini,
            keys.escalation_settled(ini.id, round, ini.round),
            ini.sponsor_id,
            msg.answered(ini, why),
            now,
            method="chat.update",
            target_key=keys.escalation(ini.id, round, ini.round),
        )
    ]


def question(ini: Initiative, approver_id: str, text: str, number: int, now: datetime) -> list[dict]:
    """An approver's question, posted in a conversation of the approver and the owner (opened when delivered): the
    wait is on the owner until they answer, in the thread or with Answered."""
    body = (
        f"{mention(approver_id)} has a question for {mention(ini.owner_id)} about {msg.title_of(ini)}:\n"
        f">{escape(text)}\n{mention(ini.owner_id)}, reply in this thread, or click *Answered* once you have answered: "
        f"until then {ini.reference} waits on you, not on {mention(approver_id)}."
    )
    blocks = [section(body), actions(button("Answered", Action.ANSWERED, str(ini.id), "primary"))]
    return [
        _to(
            ini,
            keys.question(ini.id, approver_id, number),
            f"{approver_id},{ini.owner_id}",
            payload(f"{ini.reference}: a question for the owner; it waits on the owner's answer", blocks),
            now,
        )
    ]


def answer(ini: Initiative, approver_id: str, text: str, under: str | None, number: int, now: datetime) -> dict:
    """The owner's answer to an approver's question: in the thread of the question, or to the approver."""
    said = f":\n>{escape(text)}" if text else "."
    body = msg.notice(
        ini,
        f"{mention(ini.owner_id)} answered the question of {mention(approver_id)} about {msg.title_of(ini)}{said}\n"
        "The wait is on the approvers again.",
        "the owner answered the question; your sign-off is needed again",
    )
    return _to(
        ini,
        keys.question_answered(ini.id, approver_id, number),
        approver_id,
        body,
        now,
        target_key=under,
    )


def owner_reminder(ini: Initiative, a: Approval, key: str, waited: str, now: datetime) -> dict:
    """The owner reminded that an approver's question waits on their answer (the approver is not nudged meanwhile)."""
    text = (
        f"Reminder: {mention(a.approver_id)} asked you a question about {msg.title_of(ini)} *{waited}* ago, and "
        f"their sign-off waits on your answer. Answer in the conversation with them (or "
        f"`/greenlight answer {ini.reference} <text>`), then click *Answered*. The deadline stays "
        f"*{msg.day(ini.deadline)}*; extend it if you need to."
    )
    value = str(ini.id)
    blocks = [
        section(text),
        actions(button("Answered", Action.ANSWERED, value, "primary"), button("Extend", Action.EXTEND, value)),
    ]
    return _to(
        ini, key, ini.owner_id, payload(f"{ini.reference}: a question waits on your answer for {waited}", blocks), now
    )


# ---- reminders ----------------------------------------------------------------------------------


def nudge(
    ini: Initiative,
    a: Approval,
    key: str,
    kind: str,
    waited: str,
    upcoming: date | None,
    now: datetime,
    not_before: datetime | None = None,
    stand_in: str | None = None,
) -> dict:
    """A reminder to one approver ('nudge', 'last_call' or 'manual'): how long, who else, what happens next; to the
    delegate who stands in for them (`stand_in`) while they are away."""
    if kind == "last_call":
        opening = f"*Last call* for {msg.title_of(ini)}: it has waited on you for *{waited}*."
    elif kind == "manual":
        opening = f"{mention(ini.owner_id)} sent you a reminder about {msg.title_of(ini)}: it has waited on you for *{waited}*."
    else:
        opening = f"Reminder: {msg.title_of(ini)} has waited on you for *{waited}*."
    if stand_in:
        opening = opening.replace("on you", f"on {mention(a.approver_id)}") + (
            f" You stand in for {mention(a.approver_id)}, who is away: your answer counts as theirs."
        )
    others = [x for x in ini.pending if x.id != a.id]
    lines = [
        opening,
        f"Also pending: {', '.join(mention(x.approver_id) for x in others)}."
        if others
        else "You are the last one pending.",
    ]
    plan = f"Next reminder: {msg.day(upcoming)}. " if upcoming and kind != "last_call" else ""
    lines.append(
        f"{plan}At the end of {msg.day(ini.deadline)}, {mention(ini.sponsor_id)} will be asked whether to "
        "proceed without your sign-off."
    )
    first = {
        "last_call": f"last call, waiting on you for {waited}; the sponsor decides after {msg.day(ini.deadline)}",
        "manual": f"a reminder from the owner, waiting on you for {waited}",
    }.get(kind, f"waiting on you for {waited}")
    if stand_in:
        first = f"you stand in for an away approver; {first.replace('on you', 'on them')}"
    body = msg.message_with_buttons(f"{ini.reference}: {first}", "\n".join(lines), ini)
    return _to(ini, key, stand_in or a.approver_id, body, now, not_before=not_before)


MAX_REMINDERS = 23  # each is a section and its buttons: 2 + 2 × 23 + 1 blocks stay under Slack's 50


def reminders(team_id: str, person: str, rows: list[dict], day: date) -> dict:
    """Reminders due to one person at once, combined into one DM: each initiative's text with its own buttons,
    cut at Slack's limits with 'and N more' pointing to the App Home."""
    shown = rows[:MAX_REMINDERS]
    blocks = [section(f"*{len(rows)} approvals wait on you today.* Each has its buttons below.")]
    for r in shown:
        blocks += r["payload"]["blocks"]
    if len(rows) > len(shown):
        blocks.append(
            context(f"… and {len(rows) - len(shown)} more: your App Home lists everything that waits on you.")
        )
    refs = ", ".join(r["payload"]["text"].split(":")[0] for r in rows)
    body = payload(f"{len(rows)} reminders: {refs}", blocks)
    # Linked to the first initiative (whose owner hears if it cannot be delivered); its buttons name each one.
    return row(
        team_id,
        keys.reminders(person, day, rows[0]["key"]),
        person,
        body,
        now=rows[0]["created_at"],
        initiative_id=rows[0]["initiative_id"],
        not_before=max(r["next_attempt_at"] for r in rows),
    )


# ---- away and delegation -------------------------------------------------------------------------


def delegated_request(ini: Initiative, a: Approval, delegate: str, absence: Absence, cal: Calendars, now) -> dict:
    """The sign-off request of an away approver, passed on to the delegate who stands in for them."""
    back = msg.day(absence.ends_at.astimezone(cal.tz(ini.team_id, a.approver_id)).date())
    text = (
        f"{mention(a.approver_id)} is away (back {back}) and named you to stand in: {mention(ini.owner_id)} asks for "
        f"their sign-off on {msg.title_of(ini)}.\nDeadline: *{msg.day(ini.deadline)}*. Your answer counts as theirs "
        f"and is recorded with both names. {plan_text(ini, None)}"
    )
    body = msg.message_with_buttons(
        f"{ini.reference}: you stand in for {mention(a.approver_id)}; sign-off requested on {escape(ini.title)}",
        text,
        ini,
    )
    return _to(ini, keys.delegated_request(a.id, delegate), delegate, body, now)


def approver_away(ini: Initiative, a: Approval, absence: Absence, back: datetime, cal: Calendars, now) -> dict:
    """The owner told, once, that an approver is away with nobody standing in: when they are back, and Extend."""
    owner_tz = cal.tz(ini.team_id, ini.owner_id)
    text = (
        f"{mention(a.approver_id)} is away, with nobody standing in for them, until "
        f"{msg.local_time(back, owner_tz)} your time. Their sign-off on {msg.title_of(ini)} waits until then, and they "
        f"get no reminders meanwhile. The deadline is *{msg.day(ini.deadline)}*: extend it if you need their answer."
    )
    first = f"{ini.reference}: an approver is away until {msg.day(back.astimezone(owner_tz).date())}; extend?"
    body = payload(first, [section(text), actions(button("Extend", Action.EXTEND, str(ini.id)))])
    return _to(ini, keys.approver_away(absence.id, a.id), ini.owner_id, body, now)


def welcome_back(absence: Absence, answered: list[tuple[Initiative, str, str]], now) -> dict:
    """Someone back from an absence with a delegate: what was answered for them while they were away."""
    if answered:
        lines = [f"• {mention(who)} {what} {msg.title_of(ini)} for you" for ini, who, what in answered]
        text = "Welcome back. While you were away:\n" + "\n".join(lines)
        first = f"welcome back: {len(answered)} answer{'s' if len(answered) != 1 else ''} given for you while away"
    else:
        text = f"Welcome back. {mention(absence.delegate_id)} stood in for you; nothing was answered for you."
        first = "welcome back: nothing was answered for you while away"
    text += "\nYour App Home lists what still waits on you."
    return row(
        absence.team_id, keys.welcome_back(absence.id), absence.user_id, payload(first, [section(text)]), now=now
    )


# ---- after the deadline -------------------------------------------------------------------------


MISSING = (Decision.PENDING, Decision.QUEUED)  # sign-offs still missing: asked, or in a stage not asked yet


def stalled_stage(ini: Initiative) -> str:
    """Of an initiative in stages: which stage is stalled and which are not asked yet ('' for one stage)."""
    stage = stages.current(ini)
    if stage is None or stages.count(ini) == 1:
        return ""
    later = [n for n in range(stage + 1, stages.count(ini)) if stages.names(ini, n)]
    waiting = "".join(f" {stages.label(ini, n).capitalize()} ({stages.names(ini, n)}) is not asked yet." for n in later)
    return f"*{stages.label(ini, stage).capitalize()}* is stalled ({stages.tally(ini, stage)}).{waiting} "


def sponsor_question(
    ini: Initiative,
    waits: list,
    *,
    again: bool,
    report_due: date | None = None,
    waited: int | None = None,
    stand_in: str | None = None,
    sponsor_away: str = "",
) -> dict:
    """The escalation DM: what waits on whom and for how long, who approved, what each choice does, and the
    three buttons. `waited`: to the escalation contact (`escalate-to`), the sponsor having not decided for that many
    business days (and `sponsor_away`: ', away until …' when they are); to the delegate of an away sponsor
    (`stand_in`), said so."""
    pending = [
        f"• {mention(w.approval.approver_id)}: no answer for *{w.text}*"
        for w in waits
        if w.approval.decision == Decision.PENDING
    ]
    approved = [mention(w.approval.approver_id) for w in waits if w.approval.decision == Decision.APPROVED]
    if waited is None:
        opening = ("Reminder: your decision is still needed on " if again else "The deadline has passed on ") + (
            msg.title_of(ini)
        )
        role = (
            f"The sponsor {mention(ini.sponsor_id)} is away and you stand in for them: your decision counts as "
            "theirs (recorded with both names). Your choices:"
            if stand_in
            else "You are the sponsor; your choices:"
        )
    else:
        opening = (
            f"Reminder: a decision is still needed on {msg.title_of(ini)}, and the sponsor {mention(ini.sponsor_id)} "
            "has not decided"
            if again
            else f"The sponsor {mention(ini.sponsor_id)} has not decided on {msg.title_of(ini)} for "
            f"*{waited} business days* since being asked, after the deadline passed"
        )
        role = (
            f"Sponsor: {mention(ini.sponsor_id)}{sponsor_away}. You are the workspace's escalation contact "
            "(`escalate-to`), so you may decide in the sponsor's place; your choices:"
        )
    text = (
        f"{opening} ({msg.day(ini.deadline)}). {stalled_stage(ini)}Still waiting on:\n"
        + "\n".join(pending)
        + (f"\nAlready approved: {', '.join(approved)}." if approved else "\nNobody has approved yet.")
        + f"\nOwner: {mention(ini.owner_id)}. {role}"
        + (
            f"\n• *Proceed and report* waits for {stages.required_names(blocked)}: without that approval you cannot "
            "proceed. Extend the deadline, or withdraw."
            if (blocked := stages.blocking(ini))
            else f"\n• *Proceed and report*: {mention(ini.owner_id)} is told to go ahead and to report"
            + (f" by {msg.day(report_due)} if you decide today" if report_due else "")
            + "; the pending approvers and the channel are told. Approvers can still approve, but no longer reject."
        )
        + "\n• *Extend*: you pick a new deadline; the approvers are told and reminded again."
        + "\n• *Withdraw*: it is closed; the owner, the pending approvers and the channel are told."
    )
    missing = sum(w.approval.decision in MISSING for w in waits)
    if waited is not None:
        fallback = (
            f"{ini.reference}: a decision is still needed; you may decide in the silent sponsor's place"
            if again
            else f"{ini.reference}: the sponsor has not decided for {waited} business days; you may decide"
        )
    else:
        fallback = (
            f"{ini.reference}: your decision is still needed, {missing} of {len(waits)} sign-offs missing"
            if again
            else f"{ini.reference}: deadline passed, {missing} of {len(waits)} sign-offs missing; you decide"
        )
    return msg.sponsor_decision(fallback, text, ini)


def sponsor_asked(
    ini: Initiative,
    cal: Calendars,
    waits: list,
    now: datetime,
    asked_at: datetime,
    *,
    again: bool,
    stand_in: str | None = None,
    back: datetime | None = None,
) -> list[dict]:
    """The sponsor's question, first or again, arriving `asked_at` (in the working hours of whoever decides, after
    their digest); at the first, the owner is told when that is. While the sponsor is away it goes to their
    delegate (`stand_in`), or waits for their return (`back`)."""
    key = (
        keys.sponsor_asked_again(ini.id, ini.extensions, ini.sponsor_asks, ini.round)
        if again
        else keys.escalation(ini.id, ini.extensions, ini.round)
    )
    decider = stand_in or ini.sponsor_id
    ws = cal.ws(ini.team_id)
    report_due = cal.week(ini.team_id).add_business_days(asked_at.astimezone(zone(ws.timezone)).date(), ws.report_after)
    rows = [
        _to(
            ini,
            key,
            decider,
            sponsor_question(ini, waits, again=again, report_due=report_due, stand_in=stand_in),
            now,
            not_before=asked_at,
        )
    ]
    if not again and ini.owner_id != ini.sponsor_id:
        # The sponsor is asked in their working hours: the owner reads when that really is.
        asked = (
            f"I asked the sponsor {mention(ini.sponsor_id)}"
            if asked_at <= now
            else f"The sponsor {mention(ini.sponsor_id)} will be asked on "
            f"{msg.local_time(asked_at, cal.tz(ini.team_id, ini.sponsor_id))} their time"
        )
        if stand_in:
            asked = (
                f"The sponsor {mention(ini.sponsor_id)} is away: I asked {mention(stand_in)}, who stands in for them,"
            )
        elif back:
            asked = (
                f"The sponsor {mention(ini.sponsor_id)} is away, with nobody standing in; they will be asked on their "
                f"return, {msg.local_time(asked_at, cal.tz(ini.team_id, ini.owner_id))} your time,"
            )
        missing = sum(w.approval.decision in MISSING for w in waits)
        local = asked_at.astimezone(cal.tz(ini.team_id, ini.sponsor_id))
        rows.append(
            _to(
                ini,
                keys.escalated_to_owner(ini.id, ini.extensions, ini.round),
                ini.owner_id,
                msg.notice(
                    ini,
                    f"The deadline of {msg.title_of(ini)} has passed with sign-offs missing. {asked} "
                    "whether to proceed and report, extend, or withdraw.",
                    f"deadline passed, {missing} of {len(waits)} sign-offs missing; the sponsor decides "
                    f"{local:%a %d %b %H:%M}",
                ),
                now,
            )
        )
    return rows


def _report_due_if_asked(ini: Initiative, cal: Calendars, person: str, now: datetime) -> tuple[datetime, date]:
    """When this person is asked (their next working moment), and the report due date if they proceed then."""
    asked_at = cal.working_moment(ini.team_id, person, now)
    ws = cal.ws(ini.team_id)
    due = cal.week(ini.team_id).add_business_days(asked_at.astimezone(zone(ws.timezone)).date(), ws.report_after)
    return asked_at, due


def deputies_asked(
    ini: Initiative, cal: Calendars, waits: list, people: list[str], now: datetime, *, again: bool
) -> list[dict]:
    """The escalation contact's question (first or again), each person in their own working hours."""
    waited = cal.ws(ini.team_id).sponsor_wait
    sponsor_away = ""
    if absence := cal.away(ini.team_id, ini.sponsor_id, now):  # SPEC: the contact is told the sponsor is away
        last = (absence.ends_at.astimezone(cal.tz(ini.team_id, ini.sponsor_id)) - timedelta(microseconds=1)).date()
        stands = (
            f", {mention(ini.sponsor_stand_in_id)} standing in" if ini.sponsor_stand_in_id else ", nobody standing in"
        )
        sponsor_away = f" (away until {msg.day(last)}{stands})"
    rows = []
    for person in people:
        asked_at, report_due = _report_due_if_asked(ini, cal, person, now)
        ask = ini.sponsor_asks if again else 0
        body = sponsor_question(
            ini, waits, again=again, report_due=report_due, waited=waited, sponsor_away=sponsor_away
        )
        key = keys.further_asked(ini.id, person, ini.extensions, ask, ini.round)
        rows.append(_to(ini, key, person, body, now, not_before=asked_at))
    return rows


def escalated_further(
    ini: Initiative, cal: Calendars, waits: list, contact: str, people: list[str], now: datetime
) -> list[dict]:
    """The sponsor silent for `sponsor-wait` business days: the escalation contact is asked with the sponsor's
    choices; the sponsor and the owner learn who was asked (each in their working hours)."""
    waited = cal.ws(ini.team_id).sponsor_wait
    told = {
        ini.sponsor_id: (
            f"You have not decided on {msg.title_of(ini)} for {waited} business days since you were asked, so I "
            f"asked {mention(contact)} (the workspace's `escalate-to`), who may now decide in your place. You can "
            "still decide yourself with the buttons of my earlier message or in your App Home.",
            f"you have not decided for {waited} business days; the escalation contact was asked",
        ),
        ini.owner_id: (
            f"The sponsor {mention(ini.sponsor_id)} has not decided on {msg.title_of(ini)} for {waited} business "
            f"days, so I asked {mention(contact)} (the workspace's `escalate-to`) to decide: proceed and report, "
            "extend, or withdraw.",
            "the sponsor has not decided; the escalation contact was asked",
        ),
    }
    rows = deputies_asked(ini, cal, waits, people, now, again=False)
    return rows + [
        _to(
            ini,
            keys.further_told(ini.id, person, ini.extensions, ini.round),
            person,
            msg.notice(ini, text, what),
            now,
        )
        for person, (text, what) in told.items()
        if person not in people
    ]


def nobody_to_escalate_to(
    ini: Initiative, cal: Calendars, contact: str, sponsor_only: bool, admins: list[str], now: datetime
) -> list[dict]:
    """The sponsor silent for `sponsor-wait` business days, but `escalate-to` is a user group with nobody who could
    decide (empty, or only the sponsor in it): the owner, the sponsor and the workspace admins are told so."""
    waited = cal.ws(ini.team_id).sponsor_wait
    why = (
        f"the workspace's `escalate-to`, {mention(contact)}, has no member but the sponsor"
        if sponsor_only
        else f"the workspace's `escalate-to`, {mention(contact)}, has no members"
    )
    fix = "A workspace admin can name someone who can decide: `/greenlight settings escalate-to @person`."
    told = {
        ini.owner_id: (
            f"The sponsor {mention(ini.sponsor_id)} has not decided on {msg.title_of(ini)} for {waited} business "
            f"days, and nobody could be asked in their place: {why}. I keep asking the sponsor. {fix}",
            "the sponsor has not decided, and nobody else could be asked",
        ),
        ini.sponsor_id: (
            f"You have not decided on {msg.title_of(ini)} for {waited} business days since you were asked, and "
            f"nobody could be asked in your place: {why}. The decision is still yours: proceed and report, extend, "
            "or withdraw, with the buttons of my earlier message or in your App Home.",
            f"you have not decided for {waited} business days; the decision is still yours",
        ),
    }
    for admin in admins:
        told.setdefault(
            admin,
            (
                f"Nobody could be asked to decide on {msg.title_of(ini)} in place of its silent sponsor "
                f"{mention(ini.sponsor_id)} (for {waited} business days): {why}. {fix}",
                "nobody could be asked in the silent sponsor's place: `escalate-to` has nobody who can decide",
            ),
        )
    return [
        _to(
            ini,
            keys.further_nobody(ini.id, person, ini.extensions, ini.round),
            person,
            msg.notice(ini, text, what),
            now,
        )
        for person, (text, what) in told.items()
    ]


def proceeding(ini: Initiative, actor: str, note: str, pending: list[Approval], now: datetime) -> list[dict]:
    """The sponsor decided to proceed: the owner goes ahead, pending approvers and the channel are told."""
    missing = ", ".join(mention(a.approver_id) for a in pending) or "nobody"
    rows = [
        _to(
            ini,
            keys.proceeding(ini.id, "owner"),
            ini.owner_id,
            msg.notice(
                ini,
                f"{mention(actor)} decided to *proceed* with {msg.title_of(ini)} without the missing sign-offs ({missing}). "
                f"Go ahead, and report the results by *{msg.day(ini.report_due)}* with "
                f"`/greenlight report {ini.reference} <what happened>`.{quoted(note)}",
                f"proceeding, go ahead; report due {msg.day(ini.report_due)}",
            ),
            now,
        )
    ]
    if actor != ini.sponsor_id:  # the escalation contact decided in the sponsor's place
        rows.append(
            _to(
                ini,
                keys.proceeding(ini.id, "sponsor"),
                ini.sponsor_id,
                msg.notice(
                    ini,
                    f"{mention(actor)} decided in your place to *proceed* with {msg.title_of(ini)} without the "
                    f"missing sign-offs ({missing}). The report is due {msg.day(ini.report_due)}.{quoted(note)}",
                    "proceeding: the escalation contact decided in your place",
                ),
                now,
            )
        )
    rows += [
        _to(
            ini,
            keys.proceeding_to_approver(a.id),
            a.approver_id,
            msg.notice(
                ini,
                f"Thank you for your time on {msg.title_of(ini)}. The sponsor {mention(actor)} decided to proceed "
                f"without waiting longer for sign-off; {mention(ini.owner_id)} will report the results by "
                f"{msg.day(ini.report_due)}. If you still approve, your approval is recorded as a ratification.",
                "the sponsor decided to proceed without waiting longer",
            ),
            now,
        )
        for a in pending
    ]
    rows += settled_requests(
        ini,
        now,
        {
            a.id: "The sponsor decided to proceed; a report will follow. You can still "
            f"approve with `/greenlight approve {ini.reference}`."
            for a in pending
        },
    )
    rows.append(
        _to(
            ini,
            keys.proceeding(ini.id, "note"),
            ini.channel_id,
            msg.notice(
                ini,
                f"{mention(actor)} decided to *proceed and report* on {msg.title_of(ini)} without sign-off from "
                f"{missing}. Report due {msg.day(ini.report_due)}.{quoted(note)}",
                f"proceeding without all sign-offs; report due {msg.day(ini.report_due)}",
            ),
            now,
        )
    )
    return rows


def extended(ini: Initiative, actor: str, cal: Calendars, now: datetime, last_calls: set[int]) -> list[dict]:
    """A new deadline: pending approvers get it with their buttons (as their last call when that is already due:
    `last_calls`, approval ids), the owner and sponsor are told."""
    text = f"{mention(actor)} extended the deadline of {msg.title_of(ini)} to *{msg.day(ini.deadline)}*."
    rows = []
    for a in ini.pending:
        if a.id in last_calls:
            tz = cal.tz(ini.team_id, a.approver_id)
            waited = describe_wait(cal.week(ini.team_id, a.approver_id).business_seconds(a.requested_at, now, tz))
            body = msg.message_with_buttons(
                f"{ini.reference}: new deadline {msg.day(ini.deadline)}; last call, waiting on you for {waited}",
                f"*Last call*: {text} It has waited on you for *{waited}*. At the end of {msg.day(ini.deadline)}, "
                f"{mention(ini.sponsor_id)} will be asked whether to proceed without your sign-off.",
                ini,
            )
            rows.append(_to(ini, keys.last_call(a.id, ini.deadline), a.approver_id, body, now))
        else:
            body = msg.message_with_buttons(
                f"{ini.reference}: new deadline {msg.day(ini.deadline)}", text + " Your sign-off is still needed.", ini
            )
            rows.append(_to(ini, keys.extended(ini.id, a.approver_id, ini.extensions), a.approver_id, body, now))
    return rows + [
        _to(
            ini,
            keys.extended(ini.id, person, ini.extensions),
            person,
            msg.notice(ini, text, f"new deadline {msg.day(ini.deadline)}"),
            now,
        )
        for person in dict.fromkeys([ini.owner_id, ini.sponsor_id])
        if person != actor
    ]


def report_due(ini: Initiative, overdue: bool, now: datetime) -> list[dict]:
    """The owner reminded that the report is due (or overdue)."""
    return [
        _to(
            ini,
            keys.report_reminder(ini.id, ini.report_reminders),
            ini.owner_id,
            msg.notice(
                ini,
                f"The report on {msg.title_of(ini)} is {'overdue since' if overdue else 'due'} {msg.day(ini.report_due)}. "
                f"{mention(ini.sponsor_id)} decided to proceed without all sign-offs; tell everyone how it went with "
                f"`/greenlight report {ini.reference} <what happened>`.",
                f"report {'overdue since' if overdue else 'due'} {msg.day(ini.report_due)}",
            ),
            now,
        )
    ]


def reported(ini: Initiative, actor: str, text: str, now: datetime) -> list[dict]:
    """The report: posted in the channel and sent to the owner, the sponsor and every approver, with the
    objections raised after proceeding."""
    body = f"*Report* on {msg.title_of(ini)} from {mention(actor)}, after proceeding without all sign-offs:\n>{escape(text)}"
    objections = [a for a in ini.approvals if a.decision == Decision.REJECTED]
    if objections:
        body += "\n*Objections*\n" + "\n".join(
            f"• {mention(a.approver_id)}: {escape(a.comment or '')}" for a in objections
        )
    rows = [_to(ini, keys.report_note(ini.id), ini.channel_id, msg.notice(ini, body, "report filed"), now)]
    return rows + [
        _to(ini, keys.report(ini.id, person), person, msg.notice(ini, body, "report filed"), now)
        for person in dict.fromkeys([ini.owner_id, ini.sponsor_id, *(a.approver_id for a in ini.approvals)])
        if person != actor
    ]


# ---- delivery -----------------------------------------------------------------------------------


def undeliverable(
    ini: Initiative, failed: OutboxMessage, error: str, reminders_stopped: bool, now: datetime
) -> list[dict]:
    """The owner told that a message about their initiative could not be delivered."""
    recipient = failed.recipient
    who = ", ".join(mention(u) for u in recipient.split(",")) if recipient[0] in "UW" else f"<#{recipient}>"
    text = (
        f"I could not deliver a message about *{ini.reference}* to {who} ({error}). "
        "Please reach them another way, or check that I can post there."
        + (" I will not send them more reminders about it." if reminders_stopped else "")
    )
    return [_to(ini, keys.undeliverable(failed.id), ini.owner_id, payload(text), now)]
