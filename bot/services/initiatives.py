"""Registering initiatives and the answers that decide them: approve, reject, withdraw."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.blocks import initiatives as msg
from bot.calendar import zone
from bot.commands import Due
from bot.services import Refusal, record
from bot.services.outbox import enqueue, message
from bot.services.schedule import next_nudge
from bot.services.workspaces import people_zones, today, work_week, workspace
from bot.text import escape, mention
from storage.models import Approval, Event, Initiative, Person

MAX_TITLE = 150
MAX_DETAILS = 2000
MAX_APPROVERS = 10
MAX_AHEAD = timedelta(days=3653)  # ten years
CLOSED = ("approved", "rejected", "withdrawn", "reported")


@dataclass(frozen=True)
class Draft:
    """What someone asked to register, from the text form or the modal."""

    title: str
    approver_ids: tuple[str, ...]
    sponsor_id: str | None
    due: Due | None = None
    rule: str = "all"
    channel_id: str | None = None
    details: str = ""


def find(session: Session, team_id: str, number: int) -> Initiative:
    """The initiative GL-<number> of this workspace, or a Refusal that says so.

    The row is locked for the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises), so two
    answers arriving at once are decided one after the other: a double click counts once, and the last of
    several approvers sees the others' approvals and closes the initiative.
    """
    ini = session.scalar(select(Initiative).where(Initiative.team_id == team_id, Initiative.number == number).with_for_update())
    if ini is None:
        raise Refusal(f"There is no GL-{number} in this workspace. `/greenlight list` shows the open ones.")
    return ini


def find_by_id(session: Session, team_id: str, initiative_id: int) -> Initiative:
    """The initiative behind a button, only if it belongs to this workspace (locked, as in find())."""
    ini = session.get(Initiative, initiative_id, with_for_update=True)
    if ini is None or ini.team_id != team_id:
        raise Refusal("That initiative does not exist in this workspace.")
    return ini


def resolve_deadline(ws, due: Due | None, now: datetime) -> date:
    """The deadline date a Due asks for; the workspace default when none is given."""
    week = work_week(ws)
    if due is None:
        return week.add_business_days(today(ws, now), ws.deadline_days)
    if due.business_days is not None:
        return week.add_business_days(today(ws, now), due.business_days)
    return due.on


def deadline_problem(ws, deadline: date, now: datetime) -> str | None:
    """What is wrong with a deadline: not in the future, or absurdly far away (which date arithmetic can't reach)."""
    if deadline <= today(ws, now):
        return f"The deadline {msg.day(deadline)} is not in the future. Pick a later date."
    if deadline > today(ws, now) + MAX_AHEAD:
        return f"The deadline {msg.day(deadline)} is more than {MAX_AHEAD.days // 365} years away. Pick a nearer date."
    return None


def validate(session: Session, ws, owner_id: str, draft: Draft, now: datetime) -> dict[str, str]:
    """Every rule of a registration, as {field: what is wrong and how to fix it}."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "Give the initiative a title."
    elif len(draft.title) > MAX_TITLE:
        errors["title"] = f"The title is {len(draft.title)} characters; keep it to {MAX_TITLE}."
    if len(draft.details) > MAX_DETAILS:
        errors["details"] = f"The details are {len(draft.details)} characters; keep them to {MAX_DETAILS}."
    approvers = draft.approver_ids
    people = {p.user_id: p for p in session.scalars(select(Person).where(
        Person.team_id == ws.team_id, Person.user_id.in_(set(approvers) | {draft.sponsor_id or ""})))}
    if not approvers:
        errors["approvers"] = "Name at least one approver."
    elif len(set(approvers)) != len(approvers):
        errors["approvers"] = "Each approver can be named only once."
    elif len(approvers) > MAX_APPROVERS:
        errors["approvers"] = f"At most {MAX_APPROVERS} approvers; you named {len(approvers)}."
    elif owner_id in approvers:
        errors["approvers"] = "You own this initiative, so you cannot also approve it. Name someone else."
    elif draft.sponsor_id in approvers:
        errors["approvers"] = f"{mention(draft.sponsor_id)} is the sponsor and cannot also be an approver."
    else:
        unfit = [u for u in approvers if u not in people or people[u].is_bot or people[u].deleted]
        if unfit:
            errors["approvers"] = (
                f"{', '.join(mention(u) for u in unfit)} cannot approve: bots, deactivated and unknown accounts "
                "cannot answer. Name people who can."
            )
    sponsor = people.get(draft.sponsor_id or "")
    if not draft.sponsor_id:
        errors["sponsor"] = "Name the sponsor who decides at the deadline."
    elif sponsor is None or sponsor.is_bot or sponsor.deleted:
        errors["sponsor"] = f"{mention(draft.sponsor_id)} cannot sponsor: name a person with an active account."
    if draft.rule not in ("all", "any"):
        errors["rule"] = "The rule is `all` or `any`."
    if draft.due and (problem := deadline_problem(ws, resolve_deadline(ws, draft.due, now), now)):
        errors["deadline"] = problem
    if not draft.channel_id:
        errors["channel"] = (
            "I don't know where to announce it: register it in a channel, add `in #channel`, "
            "or ask an admin to set `summary-channel`."
        )
    return errors


def register(session: Session, *, team_id: str, owner_id: str, draft: Draft, now: datetime, default_tz: str = "UTC") -> Initiative:
    """Store a new initiative and queue its announcement and sign-off requests; Refusal on bad input."""
    ws = workspace(session, team_id, now=now, default_tz=default_tz)
    if not draft.channel_id and ws.summary_channel:
        draft = Draft(**{**draft.__dict__, "channel_id": ws.summary_channel})
    errors = validate(session, ws, owner_id, draft, now)
    if errors:
        raise RegistrationInvalid(errors)
    week = work_week(ws)
    deadline = resolve_deadline(ws, draft.due, now)
    number = ws.next_number
    ws.next_number = number + 1  # the row lock on the workspace serialises numbering
    ini = Initiative(
        team_id=team_id, number=number, title=draft.title.strip(), details=draft.details.strip(),
        owner_id=owner_id, sponsor_id=draft.sponsor_id, channel_id=draft.channel_id, rule=draft.rule,
        status="open", deadline=deadline, escalate_at=week.end_of_day(deadline, zone(ws.timezone)), created_at=now,
    )
    ini.approvals = [Approval(approver_id=u, position=i, requested_at=now) for i, u in enumerate(draft.approver_ids)]
    session.add(ini)
    session.flush()
    record(session, ini, owner_id, "registered", now, approvers=list(draft.approver_ids), deadline=deadline.isoformat())
    zones = people_zones(session, team_id, draft.approver_ids, ws.timezone)
    rows = [message(team_id, f"announce:{ini.id}", ini.channel_id, msg.announcement(ini), now=now, initiative_id=ini.id)]
    for approval in ini.approvals:
        upcoming = next_nudge(ws, week, ini, approval, zones[approval.approver_id])
        approval.next_nudge_at = upcoming[0] if upcoming else None
        reminder = approval.next_nudge_at.astimezone(zones[approval.approver_id]).date() if upcoming else None
        rows.append(message(team_id, f"request:{approval.id}", approval.approver_id,
                            msg.approval_request(ini, plan_text(ini, reminder)), now=now, initiative_id=ini.id))
    enqueue(session, rows)
    return ini


class RegistrationInvalid(Refusal):
    """A registration with field errors (the modal shows each on its field)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("I couldn't register that:\n" + "\n".join(f"• {e}" for e in errors.values()))


def plan_text(ini: Initiative, reminder_on: date | None) -> str:
    """What happens if the approver stays silent."""
    reminder = f"I'll remind you on {msg.day(reminder_on)} if you haven't answered. " if reminder_on else ""
    return (
        f"{reminder}If sign-off is still missing at the end of {msg.day(ini.deadline)}, "
        f"{mention(ini.sponsor_id)} will be asked whether to proceed without it."
    )


def _notify(session, ini: Initiative, key: str, recipient: str, text: str, now: datetime) -> None:
    enqueue(session, [message(ini.team_id, f"{key}:{ini.id}:{recipient}", recipient, msg.notice(ini, text), now=now, initiative_id=ini.id)])


def _tell_everyone(session, ini: Initiative, kind: str, text: str, now: datetime, actor: str | None = None) -> None:
    """A decision reaches the owner and the sponsor by DM (not the one who made it) and the channel."""
    for person in dict.fromkeys([ini.owner_id, ini.sponsor_id]):
        if person != actor:
            _notify(session, ini, kind, person, text, now)
    enqueue(session, [message(ini.team_id, f"{kind}-note:{ini.id}", ini.channel_id, msg.notice(ini, text), now=now,
                              initiative_id=ini.id)])


def settle_requests(session, ini: Initiative, now: datetime, verdicts: dict[int, str]) -> None:
    """Replace the buttons of sign-off requests that need no more answer."""
    rows = [
        message(ini.team_id, f"request-settled:{a.id}:{ini.status}:{a.decision}", a.approver_id, msg.answered(ini, verdicts[a.id]), now=now,
                initiative_id=ini.id, method="chat.update", target_key=f"request:{a.id}")
        for a in ini.approvals if a.id in verdicts
    ]
    enqueue(session, rows)


def close(session, ini: Initiative, status: str, now: datetime, why: str) -> None:
    """End an initiative: no more nudges or reminders, and pending approvers told they need not answer."""
    still_asking = ini.status in ("open", "escalated")
    ini.status = status
    ini.closed_at = now
    ini.escalate_at = ini.next_sponsor_ask_at = ini.next_report_reminder_at = None
    verdicts = {}
    for a in ini.pending:
        a.next_nudge_at = None
        if not still_asking:
            continue  # once proceeding, they were already told they need not answer
        verdicts[a.id] = f"No answer needed any more: {why}"
        _notify(session, ini, "no-answer-needed", a.approver_id,
                f"{msg.title_of(ini)} needs no answer from you any more: {why}", now)
    settle_requests(session, ini, now, verdicts)


def approver(ini: Initiative, user_id: str, verb: str) -> Approval:
    """The user's approval on this initiative, or a Refusal naming who can act."""
    for a in ini.approvals:
        if a.approver_id == user_id:
            return a
    names = ", ".join(mention(a.approver_id) for a in ini.approvals)
    raise Refusal(f"Only the approvers of {ini.reference} can {verb} it: {names}.")


def pending_approval(ini: Initiative, user_id: str, verb: str) -> Approval:
    """The user's approval if they can still answer, else a Refusal that tells the current state."""
    a = approver(ini, user_id, verb)
    if a.decision != "pending":
        when = f" on {msg.day(a.decided_at.date())}" if a.decided_at else ""
        raise Refusal(f"You already {a.decision} {ini.reference}{when}. It is now {msg.STATUS_LABEL[ini.status]}; nothing changed.")
    if ini.status in CLOSED:
        raise Refusal(f"{ini.reference} is already {ini.status}; your answer is no longer needed. Nothing changed.")
    return a


def rejectable(ini: Initiative, user_id: str) -> Approval:
    """The approval a rejection would decide, or a Refusal: once proceeding, a rejection changes nothing."""
    a = pending_approval(ini, user_id, "reject")
    if ini.status not in ("open", "escalated"):
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; a rejection can no longer change it. "
                      f"Tell {mention(ini.sponsor_id)} directly if you object. Nothing changed.")
    return a


def approve(session: Session, ini: Initiative, user_id: str, comment: str, now: datetime) -> str:
    """Record an approval; the initiative is approved once its rule is met. Returns the reply."""
    a = pending_approval(ini, user_id, "approve")
    a.decision, a.decided_at, a.comment, a.next_nudge_at = "approved", now, comment or None, None
    quote = f"\n>{escape(comment)}" if comment else ""
    if ini.status == "proceeding":
        record(session, ini, user_id, "ratified", now, comment=comment)
        settle_requests(session, ini, now, {a.id: "You approved it after the sponsor decided to proceed: recorded as a ratification."})
        _notify(session, ini, "ratified", ini.owner_id, f"{mention(user_id)} approved {msg.title_of(ini)} after the fact (ratified).{quote}", now)
        return f"Thanks: your approval of {ini.reference} is recorded as a ratification of the sponsor's decision to proceed."
    record(session, ini, user_id, "approved", now, comment=comment)
    settle_requests(session, ini, now, {a.id: "You approved it. Thank you!"})
    approved = [x for x in ini.approvals if x.decision == "approved"]
    if ini.rule == "any" or len(approved) == len(ini.approvals):
        was_escalated = ini.status == "escalated"
        close(session, ini, "approved", now, "it has been approved")
        record(session, ini, None, "status_approved", now)
        _tell_everyone(session, ini, "approved", f"{msg.title_of(ini)} is *approved*. Last sign-off: {mention(user_id)}.{quote}", now)
        if was_escalated:
            withdraw_sponsor_question(session, ini, now, "Approvals arrived: it is approved, no decision needed.")
        return f"Thanks: {ini.reference} is now approved."
    _notify(session, ini, "approval", ini.owner_id,
            f"{mention(user_id)} approved {msg.title_of(ini)} ({len(approved)} of {len(ini.approvals)}).{quote}", now)
    return f"Thanks: your approval of {ini.reference} is recorded ({len(approved)} of {len(ini.approvals)})."


def reject(session: Session, ini: Initiative, user_id: str, reason: str, now: datetime) -> str:
    """Record a rejection with its reason; it ends the wait. Returns the reply."""
    a = rejectable(ini, user_id)
    if not reason.strip():
        raise Refusal(f"Please give a reason: `/greenlight reject {ini.reference} <reason>`.")
    was_escalated = ini.status == "escalated"
    a.decision, a.decided_at, a.comment, a.next_nudge_at = "rejected", now, reason, None
    record(session, ini, user_id, "rejected", now, reason=reason)
    settle_requests(session, ini, now, {a.id: "You rejected it. The owner and the sponsor have your reason."})
    close(session, ini, "rejected", now, f"{mention(user_id)} rejected it")
    _tell_everyone(session, ini, "rejected", f"{mention(user_id)} *rejected* {msg.title_of(ini)}. Reason:\n>{escape(reason)}", now)
    if was_escalated:
        withdraw_sponsor_question(session, ini, now, "It was rejected, so there is nothing to decide.")
    return f"Your rejection of {ini.reference} is recorded; the owner and the sponsor have been told your reason."


def require_owner_or_sponsor(ini: Initiative, user_id: str, verb: str) -> None:
    if user_id not in (ini.owner_id, ini.sponsor_id):
        raise Refusal(f"Only the owner ({mention(ini.owner_id)}) or the sponsor ({mention(ini.sponsor_id)}) can {verb} {ini.reference}.")


def withdraw(session: Session, ini: Initiative, user_id: str, reason: str, now: datetime) -> str:
    """Withdraw an open or escalated initiative (owner or sponsor). Returns the reply."""
    require_owner_or_sponsor(ini, user_id, "withdraw")
    if ini.status not in ("open", "escalated"):
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; only open or escalated initiatives can be withdrawn.")
    was_escalated = ini.status == "escalated"
    record(session, ini, user_id, "withdrawn", now, reason=reason)
    close(session, ini, "withdrawn", now, f"{mention(user_id)} withdrew it")
    why = f" Reason:\n>{escape(reason)}" if reason else ""
    _tell_everyone(session, ini, "withdrawn", f"{mention(user_id)} *withdrew* {msg.title_of(ini)}.{why}", now, actor=user_id)
    if was_escalated:
        withdraw_sponsor_question(session, ini, now, "It was withdrawn.")
    return f"{ini.reference} is withdrawn; the pending approvers have been told they need not answer."


def withdraw_sponsor_question(session, ini: Initiative, now: datetime, why: str, round: int | None = None) -> None:
    """Replace the buttons of the sponsor's escalation DM: there is nothing left to decide."""
    round = ini.extensions if round is None else round
    enqueue(session, [message(ini.team_id, f"escalation-settled:{ini.id}:{round}", ini.sponsor_id,
                              msg.answered(ini, why), now=now, initiative_id=ini.id, method="chat.update",
                              target_key=f"escalation:{ini.id}:{round}")])


def askable(ini: Initiative, user_id: str) -> None:
    """Refuse unless this approver can still ask about this initiative."""
    approver(ini, user_id, "ask about")
    if ini.status not in ("open", "escalated"):
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; no answer is needed any more. Nothing changed.")


def ask_owner(session: Session, ini: Initiative, user_id: str, question: str, now: datetime) -> str:
    """Post an approver's question in a conversation of the approver and the owner, to talk it over in a thread."""
    askable(ini, user_id)
    if not question.strip():
        raise Refusal("Please write your question.")
    record(session, ini, user_id, "question", now, text=question)
    text = (f"{mention(user_id)} has a question for {mention(ini.owner_id)} about {msg.title_of(ini)}:\n"
            f">{escape(question)}\nReply in this thread.")
    asked = session.scalar(select(func.count(Event.id)).where(Event.initiative_id == ini.id, Event.kind == "question"))
    # Two recipients: the sender opens their group conversation when it delivers.
    enqueue(session, [message(ini.team_id, f"question:{ini.id}:{user_id}:{asked}", f"{user_id},{ini.owner_id}",
                              msg.notice(ini, text), now=now, initiative_id=ini.id)])
    return f"I posted your question in a conversation with {mention(ini.owner_id)}."
