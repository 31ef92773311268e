"""Registering initiatives and the answers that decide them: approve, reject, withdraw."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from bot import i18n, notices
from bot import stages as stages_of
from bot.blocks import initiatives as msg
from bot.i18n import N_, t, tn
from bot.parsing import Draft, Due
from bot.services import Refusal, away, groups, record
from bot.services.lifecycle import move, require_asking, schedule, waiting_since
from bot.services.outbox import enqueue, spent_buttons
from bot.services.workspaces import Calendars, today, work_week, workspace
from bot.text import escape, is_group, mention
from storage.enums import Decision, Status
from storage.models import Approval, Event, Initiative, OutboxMessage, Person

MAX_TITLE = 150
MAX_DETAILS = 2000
MAX_APPROVERS = 10
MAX_AHEAD = timedelta(days=3653)  # ten years
ID = re.compile(r"[1-9][0-9]{0,8}")  # a database id that fits every integer column


def find(session: Session, team_id: str, number: int, *, lock: bool = True) -> Initiative:
    """The initiative GL-<number> of this workspace, or a Refusal that says so.

    Unless only read, the row is locked for the transaction (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises), so two
    answers arriving at once are decided one after the other: a double click counts once, and the last of
    several approvers sees the others' approvals and closes the initiative.
    """
    query = select(Initiative).where(Initiative.team_id == team_id, Initiative.number == number)
    ini = session.scalar(query.with_for_update() if lock else query)
    if ini is None:
        raise Refusal(
            t(
                "There is no {reference} in this workspace. `/greenlight list` shows the open ones.",
                reference=f"GL-{number}",
            )
        )
    return ini


def find_by_id(session: Session, team_id: str, value: str, *, lock: bool = True) -> Initiative:
    """The initiative a button or form names by its id, only if it belongs to this workspace (locked, as in find()).

    The value comes back from Slack as text and could be anything: only a plausible id is looked up."""
    ini = session.get(Initiative, int(value), with_for_update=lock or None) if ID.fullmatch(value or "") else None
    if ini is None or ini.team_id != team_id:
        raise Refusal(t("That initiative does not exist in this workspace."))
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
        return t("The deadline {day} is not in the future. Pick a later date.", day=i18n.day(deadline))
    if deadline > today(ws, now) + MAX_AHEAD:
        return tn(
            "The deadline {day} is more than {n} year away. Pick a nearer date.",
            "The deadline {day} is more than {n} years away. Pick a nearer date.",
            MAX_AHEAD.days // 365,
            day=i18n.day(deadline),
        )
    return None


def validate(session: Session, ws, owner_id: str, draft: Draft, now: datetime) -> dict[str, str]:
    """Every rule of a registration, as {field: what is wrong and how to fix it}."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = t("Give the initiative a title.")
    elif len(draft.title) > MAX_TITLE:
        errors["title"] = tn(
            "The title is {n} character; keep it to {most}.",
            "The title is {n} characters; keep it to {most}.",
            len(draft.title),
            most=MAX_TITLE,
        )
    if len(draft.details) > MAX_DETAILS:
        errors["details"] = tn(
            "The details are {n} character; keep them to {most}.",
            "The details are {n} characters; keep them to {most}.",
            len(draft.details),
            most=MAX_DETAILS,
        )
    approvers = draft.approver_ids
    people = {
        p.user_id: p
        for p in session.scalars(
            select(Person).where(
                Person.team_id == ws.team_id, Person.user_id.in_(set(approvers) | {draft.sponsor_id or ""})
            )
        )
    }
    if not approvers:
        errors["approvers"] = t("Name at least one approver.")
    elif len(set(approvers)) != len(approvers):
        errors["approvers"] = t("Each approver can be named only once.")
    elif len(approvers) > MAX_APPROVERS:
        errors["approvers"] = tn(
            "At most {most} approvers; you named {n}.",
            "At most {most} approvers; you named {n}.",
            len(approvers),
            most=MAX_APPROVERS,
        )
    elif owner_id in approvers:
        errors["approvers"] = t("You own this initiative, so you cannot also approve it. Name someone else.")
    elif draft.sponsor_id in approvers:
        errors["approvers"] = t(
            "{sponsor} is the sponsor and cannot also be an approver.", sponsor=mention(draft.sponsor_id)
        )
    else:
        unfit = [u for u in approvers if not is_group(u) and (u not in people or people[u].is_bot or people[u].deleted)]
        if unfit:
            errors["approvers"] = t(
                "{people} cannot approve: bots, deactivated and unknown accounts cannot answer. Name people who can.",
                people=", ".join(mention(u) for u in unfit),
            )
        elif wrong := groups.problems(session, ws.team_id, approvers):
            errors["approvers"] = " ".join(wrong)
    sponsor = people.get(draft.sponsor_id or "")
    if not draft.sponsor_id:
        errors["sponsor"] = t("Name the sponsor who decides at the deadline.")
    elif draft.sponsor_id == owner_id and not ws.self_sponsor:
        errors["sponsor"] = t(
            "You own this initiative, so you cannot also sponsor it: name the person who decides at "
            "the deadline. (Workspace admins can allow it with `/greenlight settings self-sponsor on`.)"
        )
    elif sponsor is None or sponsor.is_bot or sponsor.deleted:
        errors["sponsor"] = t(
            "{sponsor} cannot sponsor: name a person with an active account.", sponsor=mention(draft.sponsor_id)
        )
    if problem := rule_problem(draft):
        errors["rule"] = problem
    if strangers := [u for u in dict.fromkeys(draft.required) if u not in approvers]:
        errors["required"] = t(
            "{people} cannot be required: only approvers can be. "
            "Name them among the approvers too, or leave them out of `required`.",
            people=", ".join(mention(u) for u in strangers),
        )
    if draft.due and (problem := deadline_problem(ws, resolve_deadline(ws, draft.due, now), now)):
        errors["deadline"] = problem
    if not draft.channel_id:
        errors["channel"] = t(
            "I don't know where to announce it: register it in a channel, add `in #channel`, "
            "or ask an admin to set `summary-channel`."
        )
    return errors


def rule_problem(draft: Draft) -> str | None:
    """What is wrong with the stages and their rules: too many stages, or a rule a stage cannot meet."""
    stages = draft.stages
    if len(stages) > stages_of.MAX_STAGES or not all(stages):
        return t("Give 1 to {most} stages, each with at least one approver.", most=stages_of.MAX_STAGES)
    rules = draft.rule.split(",")
    if len(rules) not in (1, len(stages)):
        return t("Give one rule for every stage, or one for all of them.")
    for n, members in enumerate(stages):
        rule = rules[min(n, len(rules) - 1)]
        if rule not in ("all", "any") and not (rule.isdigit() and int(rule) >= 1):
            return t("The rule is `all`, `any` or a number of approvals.")
        if stages_of.needed(rule, len(members)) > len(members):
            if len(stages) > 1:
                return tn(
                    "{rule} asks for {wanted} approvals, but stage {stage} has only {n} approver. "
                    "Ask for fewer, or name more approvers.",
                    "{rule} asks for {wanted} approvals, but stage {stage} has only {n} approvers. "
                    "Ask for fewer, or name more approvers.",
                    len(members),
                    rule=f"`rule {rule}`",
                    wanted=rule,
                    stage=n + 1,
                )
            return tn(
                "{rule} asks for {wanted} approvals, but the initiative has only {n} approver. "
                "Ask for fewer, or name more approvers.",
                "{rule} asks for {wanted} approvals, but the initiative has only {n} approvers. "
                "Ask for fewer, or name more approvers.",
                len(members),
                rule=f"`rule {rule}`",
                wanted=rule,
            )
    return None


def register(
    session: Session, *, team_id: str, owner_id: str, draft: Draft, now: datetime, default_tz: str = "UTC"
) -> Initiative:
    """Store a new initiative and queue its announcement and sign-off requests; Refusal on bad input."""
    # Locked: two registrations racing in one workspace get consecutive numbers, one after the other.
    ws = workspace(session, team_id, now=now, default_tz=default_tz, lock=True)
    if not draft.channel_id and ws.summary_channel:
        draft = Draft(**{**draft.__dict__, "channel_id": ws.summary_channel})
    errors = validate(session, ws, owner_id, draft, now)
    if errors:
        raise RegistrationInvalid(errors)
    deadline = resolve_deadline(ws, draft.due, now)
    number = ws.next_number
    ws.next_number = number + 1
    ini = Initiative(
        team_id=team_id,
        number=number,
        title=draft.title.strip(),
        details=draft.details.strip(),
        owner_id=owner_id,
        sponsor_id=draft.sponsor_id,
        channel_id=draft.channel_id,
        rule=draft.rule.split(",")[0],
        stage_rules=draft.rule if "," in draft.rule else None,
        status=Status.OPEN,
        deadline=deadline,
        created_at=now,
    )
    stage_of = draft.stage_of or (0,) * len(draft.approver_ids)
    ini.approvals = [
        Approval(
            approver_id=u,
            position=i,
            stage=stage,
            required=u in draft.required,
            requested_at=now if stage == 0 else None,
            decision=Decision.PENDING if stage == 0 else Decision.QUEUED,
        )
        for i, (u, stage) in enumerate(zip(draft.approver_ids, stage_of))
    ]
    session.add(ini)
    session.flush()
    record(
        session,
        ini,
        owner_id,
        "registered",
        now,
        approvers=list(draft.approver_ids),
        deadline=deadline.isoformat(),
        **({"stages": draft.stages} if len(draft.stages) > 1 else {}),
        **({"required": list(draft.required)} if draft.required else {}),
        **({"template": draft.template} if draft.template else {}),
    )
    cal = Calendars.of(session, [ini], now)
    schedule(ini, now, cal)
    enqueue(session, away.registered(ini, cal, notices.registered(ini, cal, now), now), cal)
    return ini


class RegistrationInvalid(Refusal):
    """A registration with field errors (the modal shows each on its field)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(
            t("I couldn't register that:\n{problems}", problems="\n".join(f"• {e}" for e in errors.values()))
        )


def spend_buttons(
    session, ini: Initiative, verdicts: dict[str, notices.Said], now: datetime, cal: Calendars | None = None
) -> None:
    """Every earlier message with buttons to these people about this initiative becomes a short record of what
    happened ({person: verdict}, each in their language); one still held for their working hours is never sent."""
    # A group's verdict reaches each member; a person's own verdict comes before their group's.
    people = {m: v for who, v in verdicts.items() if is_group(who) for m in groups.members(session, ini.team_id, who)}
    people.update({who: v for who, v in verdicts.items() if not is_group(who)})
    if people:
        targets = spent_buttons(session, ini, set(people), now)
        readers = {person for person, _, _ in targets}
        if cal is None or not readers <= set(cal.zones.get(ini.team_id, {})):
            cal = Calendars.load(session, {ini.team_id: readers}, now)  # group members, delegates: their languages
        enqueue(session, notices.buttons_spent(ini, cal, targets, people, now))


def decide(
    session,
    ini: Initiative,
    status: Status,
    now: datetime,
    *,
    actor: str | None,
    event: str,
    settles: str,
    why: str = "",
    round: int | None = None,
    cal: Calendars | None = None,
    **data,
) -> None:
    """Move the initiative to `status` and tell whoever was waiting on the old state that it is settled.

    Approvers still asked when it closes are told they need not answer (`why`); a sponsor asked to decide
    (at deadline `round`) sees their question replaced by `settles`."""
    was, pending, told = ini.status, ini.pending, deputies(ini)
    cal = cal or Calendars.of(session, [ini], now)
    move(session, ini, status, now, cal, actor=actor, event=event, **data)
    spent = {}
    if status.closed and was.asking:  # once proceeding, they were already told they need not answer
        enqueue(session, notices.no_answer_needed(ini, cal, pending, why, now))
        spent = {a.approver_id: lambda: t("No answer needed any more: {why}", why=notices.said(why)) for a in pending}
    if was is Status.ESCALATED:
        enqueue(session, notices.sponsor_question_settled(ini, cal, now, settles, round))
        spent[ini.sponsor_id] = settles
        spent.update(dict.fromkeys(told, settles))
        if ini.sponsor_stand_in_id:
            spent[ini.sponsor_stand_in_id] = settles
    spend_buttons(session, ini, spent, now, cal)


def approver(ini: Initiative, user_id: str, verb: str) -> Approval:
    """The user's approval on this initiative: their own, the slot of a user group they are in (which any one member
    answers; never for its owner or sponsor), or the pending one of an away approver they stand in for; else a
    Refusal naming who can act."""
    for a in ini.approvals:
        if a.approver_id == user_id:
            return a
    if user_id not in (ini.owner_id, ini.sponsor_id) and any(is_group(a.approver_id) for a in ini.approvals):
        theirs = groups.of_person(object_session(ini), ini.team_id, user_id)
        # The group slot still asked comes first, if they are in several.
        slots = sorted((a for a in ini.approvals if a.approver_id in theirs), key=lambda a: a.decision.answered)
        if slots:
            return slots[0]
    for a in ini.approvals:
        if user_id == (a.stand_in_id if a.decision == Decision.PENDING else a.answered_by):
            return a
    names = ", ".join(mention(a.approver_id) for a in ini.approvals)
    raise Refusal(t(ONLY_APPROVERS.get(verb, ONLY_APPROVERS[""]), reference=ini.reference, names=names, verb=verb))


# What only an approver may do, as whole sentences (the verb `approver()` is called with picks one).
ONLY_APPROVERS = {
    "approve": N_("Only the approvers of {reference} can approve it: {names}."),
    "reject": N_("Only the approvers of {reference} can reject it: {names}."),
    "ask about": N_("Only the approvers of {reference} can ask about it: {names}."),
    "snooze reminders for": N_("Only the approvers of {reference} can snooze reminders for it: {names}."),
    "": N_("Only the approvers of {reference} can do that: {names}."),
}


def pending_approval(ini: Initiative, user_id: str, verb: str) -> Approval:
    """The user's approval if they can still answer, else a Refusal that tells the current state."""
    a = approver(ini, user_id, verb)
    if a.decision.answered:
        status = t(msg.STATUS_LABEL[ini.status])
        if a.decided_at:
            raise Refusal(
                t(
                    ALREADY_ON[a.decision],
                    reference=ini.reference,
                    day=i18n.day(a.decided_at.date()),
                    status=status,
                )
            )
        raise Refusal(t(ALREADY[a.decision], reference=ini.reference, status=status))
    if ini.status.closed or (a.decision != Decision.PENDING and not ini.status.asking):
        raise Refusal(
            t(
                "{reference} is already {status}; your answer is no longer needed. Nothing changed.",
                reference=ini.reference,
                status=t(STATE[ini.status]),
            )
        )
    if a.decision == Decision.QUEUED:
        raise Refusal(
            t(
                "Your sign-off on {reference} is asked in {stage}, once the stages before "
                "it are complete; I'll ask you then. Nothing changed.",
                reference=ini.reference,
                stage=stages_of.label(ini, a.stage),
            )
        )
    if a.decision == Decision.SKIPPED:
        stage = stages_of.label(ini, a.stage)
        if stage:
            raise Refusal(
                t(
                    "{reference} needs no answer from you any more: {stage} was complete without it. Nothing changed.",
                    reference=ini.reference,
                    stage=stage,
                )
            )
        raise Refusal(
            t(
                "{reference} needs no answer from you any more: its sign-off was complete without it. Nothing changed.",
                reference=ini.reference,
            )
        )
    return a


# A status in one word, as a sentence names it.
STATE = {
    Status.OPEN: N_("open"),
    Status.APPROVED: N_("approved"),
    Status.REJECTED: N_("rejected"),
    Status.WITHDRAWN: N_("withdrawn"),
    Status.ESCALATED: N_("escalated"),
    Status.PROCEEDING: N_("proceeding"),
    Status.REPORTED: N_("reported"),
}

# An answer already given, as whole sentences for each decision an approval can have.
ALREADY_ON = {
    Decision.APPROVED: N_("You already approved {reference} on {day}. It is now {status}; nothing changed."),
    Decision.REJECTED: N_("You already rejected {reference} on {day}. It is now {status}; nothing changed."),
}
ALREADY = {
    Decision.APPROVED: N_("You already approved {reference}. It is now {status}; nothing changed."),
    Decision.REJECTED: N_("You already rejected {reference}. It is now {status}; nothing changed."),
}


def rejectable(ini: Initiative, user_id: str) -> Approval:
    """The approval a rejection would decide (once proceeding, it is recorded as an objection), or a Refusal."""
    a = pending_approval(ini, user_id, "reject")
    if ini.status is not Status.PROCEEDING:
        require_asking(ini, t("a rejection can no longer change it. Nothing changed."))
    return a


def _answer(ini: Initiative, a: Approval, decision: Decision, comment: str | None, now: datetime, user_id: str) -> dict:
    """Record the answer on the approval; returns what its event adds: {'group': the group} when a member answered
    for a user group, {'for': the approver} when their delegate answered for them."""
    a.decision, a.decided_at, a.comment, a.next_nudge_at = decision, now, comment or None, None
    a.asked_owner_at = None
    a.answered_by = user_id if user_id != a.approver_id else None
    ini.waiting_since = waiting_since(ini)
    if not a.answered_by:
        return {}
    return {"group": a.approver_id} if is_group(a.approver_id) else {"for": a.approver_id}


# To the other members of a user group: who answered for the group, by what they did.
FOR_GROUP = {
    "approved": N_("{who} approved it for {group}."),
    "rejected": N_("{who} rejected it for {group}."),
    "objected to": N_("{who} objected to it for {group}."),
}


def _verdicts(a: Approval, verdict: notices.Said, what: str) -> dict[str, notices.Said]:
    """Whose earlier messages with buttons settle with this answer, and what they then say: the approver's and the
    one who answered for them (their delegate), or, for a user group, the member who answered and, to the other
    members, who answered for the group (`what`: 'approved', 'rejected' or 'objected to'). Each said in its
    reader's language."""
    if not a.answered_by:
        return {a.approver_id: verdict}
    if is_group(a.approver_id):
        who, group = mention(a.answered_by), mention(a.approver_id)
        return {a.approver_id: lambda: t(FOR_GROUP[what], who=who, group=group), a.answered_by: verdict}
    return {a.approver_id: verdict, a.answered_by: verdict}


def approve(session: Session, ini: Initiative, user_id: str, comment: str, now: datetime) -> str:
    """Record an approval; the initiative is approved once its rule is met. Returns the reply."""
    a = pending_approval(ini, user_id, "approve")
    acting = _answer(ini, a, Decision.APPROVED, comment, now, user_id)
    yours = {"approver": mention(a.approver_id)} if acting else {}
    cal = Calendars.of(session, [ini], now)
    if ini.status is Status.PROCEEDING:
        record(session, ini, user_id, "ratified", now, comment=comment, **acting)
        enqueue(session, notices.ratified(ini, cal, a, now))
        spend_buttons(
            session,
            ini,
            _verdicts(a, lambda: t("You approved it after the sponsor decided to proceed (ratified)."), "approved"),
            now,
            cal,
        )
        if yours:
            return t(
                "Thanks: your approval of {reference} for {approver} is recorded as a ratification of the "
                "sponsor's decision to proceed.",
                reference=ini.reference,
                **yours,
            )
        return t(
            "Thanks: your approval of {reference} is recorded as a ratification of the sponsor's decision to proceed.",
            reference=ini.reference,
        )
    record(session, ini, user_id, "approved", now, comment=comment, **acting)
    spend_buttons(session, ini, _verdicts(a, lambda: t("You approved it. Thank you!"), "approved"), now, cal)
    if not stages_of.complete(ini, a.stage):
        enqueue(session, notices.approval_counted(ini, cal, a, now))
        if yours:
            return t(
                "Thanks: your approval of {reference} for {approver} is recorded ({tally}).",
                reference=ini.reference,
                tally=stages_of.tally(ini, a.stage),
                **yours,
            )
        return t(
            "Thanks: your approval of {reference} is recorded ({tally}).",
            reference=ini.reference,
            tally=stages_of.tally(ini, a.stage),
        )
    enqueue(session, notices.settled_requests(ini, cal, now, {a.id: lambda: t("You approved it. Thank you!")}))
    asked = advance(session, ini, a.stage, now, cal)
    if asked is not None:
        return t(
            "Thanks: with your approval {stage} of {reference} is complete; I asked {names} ({next}) for sign-off.",
            stage=stages_of.label(ini, a.stage),
            reference=ini.reference,
            names=stages_of.names(ini, asked),
            next=stages_of.label(ini, asked),
        )
    decide(
        session,
        ini,
        Status.APPROVED,
        now,
        actor=None,
        event="status_approved",
        why=lambda: t("it has been approved"),
        settles=lambda: t("Approvals arrived: it is approved, no decision needed."),
        cal=cal,
    )
    enqueue(
        session,
        notices.decided(
            ini,
            cal,
            lambda: t(
                "{title} is *approved*. Last sign-off: {signer}.{comment}",
                title=msg.title_of(ini),
                signer=msg.signer(a),
                comment=notices.quoted(comment),
            ),
            now,
        ),
    )
    return t("Thanks: {reference} is now approved.", reference=ini.reference)


def advance(session: Session, ini: Initiative, done: int, now: datetime, cal: Calendars | None = None) -> int | None:
    """Stage `done` is complete: whoever in it is still asked needs no answer any more, and the next stage not yet
    complete is asked (its waiting clock starts now). Returns that stage, or None when every stage is complete."""
    unneeded = [x for x in ini.approvals if x.stage == done and x.decision == Decision.PENDING]

    def why() -> str:
        label = stages_of.label(ini, done)
        return (
            t("{stage} is complete without your answer", stage=label)
            if label
            else t("its sign-off is complete without your answer")
        )

    if unneeded:
        cal = cal or Calendars.of(session, [ini], now)
        enqueue(session, notices.no_answer_needed(ini, cal, unneeded, why, now))
        spend_buttons(
            session,
            ini,
            {x.approver_id: lambda: t("No answer needed any more: {why}", why=why()) for x in unneeded},
            now,
            cal,
        )
    for x in unneeded:
        x.decision, x.decided_at, x.next_nudge_at = Decision.SKIPPED, now, None
    following = next((n for n in range(done + 1, stages_of.count(ini)) if not stages_of.complete(ini, n)), None)
    if following is None:
        return None
    asked = [x for x in stages_of.members(ini, following) if not x.decision.answered]
    for x in asked:
        x.decision, x.requested_at, x.nudges_sent, x.last_call_sent = Decision.PENDING, now, 0, False
    record(session, ini, None, "stage_asked", now, stage=following + 1, approvers=[x.approver_id for x in asked])
    cal = Calendars.of(session, [ini], now)
    schedule(ini, now, cal)
    enqueue(session, notices.stage_asked(ini, asked, cal, now), cal)
    return following


def reject(session: Session, ini: Initiative, user_id: str, reason: str, now: datetime) -> str:
    """Record a rejection with its reason; it ends the wait. Returns the reply."""
    a = rejectable(ini, user_id)
    if not reason.strip():
        raise Refusal(t("Please give a reason: {command}.", command=f"`/greenlight reject {ini.reference} <reason>`"))
    acting = _answer(ini, a, Decision.REJECTED, reason, now, user_id)
    if ini.status is Status.PROCEEDING:
        # SPEC §2: an objection, kept with its reason; the sponsor's decision to proceed stands.
        record(session, ini, user_id, "objected", now, reason=reason, **acting)
        cal = Calendars.of(session, [ini], now)
        enqueue(session, notices.objected(ini, cal, a, now))
        spend_buttons(
            session,
            ini,
            _verdicts(a, lambda: t("You objected after the sponsor decided to proceed."), "objected to"),
            now,
            cal,
        )
        return t(
            "Your objection to {reference} is recorded with your reason; {sponsor} and "
            "{owner} have been told, and it will be listed in the report.",
            reference=ini.reference,
            sponsor=mention(ini.sponsor_id),
            owner=mention(ini.owner_id),
        )
    cal = Calendars.of(session, [ini], now)
    enqueue(
        session,
        notices.settled_requests(
            ini, cal, now, {a.id: lambda: t("You rejected it. The owner and the sponsor have your reason.")}
        ),
    )
    spend_buttons(session, ini, _verdicts(a, lambda: t("You rejected it."), "rejected"), now, cal)
    decide(
        session,
        ini,
        Status.REJECTED,
        now,
        actor=user_id,
        event="rejected",
        reason=reason,
        why=lambda: t("{signer} rejected it", signer=msg.signer(a)),
        settles=lambda: t("It was rejected, so there is nothing to decide."),
        cal=cal,
        **acting,
    )
    enqueue(
        session,
        notices.decided(
            ini,
            cal,
            lambda: t(
                "{signer} *rejected* {title}. Reason:\n>{reason}",
                signer=msg.signer(a),
                title=msg.title_of(ini),
                reason=escape(reason),
            ),
            now,
        ),
    )
    return t(
        "Your rejection of {reference} is recorded; the owner and the sponsor have been told your reason.",
        reference=ini.reference,
    )


def askable(ini: Initiative, user_id: str) -> None:
    """Refuse unless this approver can still ask about this initiative."""
    approver(ini, user_id, "ask about")
    require_asking(ini, t("no answer is needed any more. Nothing changed."))


def ask_owner(session: Session, ini: Initiative, user_id: str, question: str, now: datetime) -> str:
    """Post an approver's question in a conversation of the approver and the owner, to talk it over in a thread.
    While it is open their sign-off waits on the owner: the owner is reminded instead of them (SPEC §4)."""
    askable(ini, user_id)
    if not question.strip():
        raise Refusal(
            t("Please write your question: {command}.", command=f"`/greenlight ask {ini.reference} <question>`")
        )
    a = approver(ini, user_id, "ask about")
    record(
        session,
        ini,
        user_id,
        "question",
        now,
        text=question,
        **({"for": a.approver_id} if a.approver_id != user_id else {}),
    )
    asked = session.scalar(select(func.count(Event.id)).where(Event.initiative_id == ini.id, Event.kind == "question"))
    cal = Calendars.of(session, [ini], now)
    # the asker's conversation with the owner
    enqueue(session, notices.question(ini, cal, user_id, question, asked, now))
    if a.decision != Decision.PENDING or a.asked_owner_at:
        return t("I posted your question in a conversation with {owner}.", owner=mention(ini.owner_id))
    a.asked_owner_at = now
    if ini.status is Status.OPEN:  # the owner's first reminder, on the approvers' cadence
        a.next_nudge_at = cal.after_business_days(ini.team_id, ini.owner_id, now, cal.ws(ini.team_id).first_nudge)
    return t(
        "I posted your question in a conversation with {owner}. Until they answer, {reference} "
        "waits on them: you get no reminders, they do. The deadline stays as it is.",
        owner=mention(ini.owner_id),
        reference=ini.reference,
    )


def answer(session: Session, ini: Initiative, user_id: str, text: str, now: datetime) -> str:
    """The owner answers the open questions (`/greenlight answer`, the Answered button, or a reply in the question's
    thread: then `text` is not posted again); the approvers' waits, and their reminders, resume."""
    if user_id != ini.owner_id:
        raise Refusal(
            t(
                "Only the owner of {reference}, {owner}, answers questions about it.",
                reference=ini.reference,
                owner=mention(ini.owner_id),
            )
        )
    waiting = [a for a in ini.pending if a.asked_owner_at]
    if not waiting:
        raise Refusal(
            t("No question about {reference} waits on your answer. Nothing changed.", reference=ini.reference)
        )
    answered = 1 + session.scalar(
        select(func.count(Event.id)).where(Event.initiative_id == ini.id, Event.kind == "answered")
    )
    rows = []
    cal = Calendars.of(session, [ini], now)
    for a in waiting:
        a.asked_owner_at = None
        if text is not None:
            under = session.scalar(
                select(OutboxMessage.key)
                .where(
                    OutboxMessage.initiative_id == ini.id,
                    OutboxMessage.key.like(f"question:{ini.id}:{a.approver_id}:%"),
                )
                .order_by(OutboxMessage.id.desc())
                .limit(1)
            )
            rows.append(notices.answer(ini, cal, a.approver_id, text, under, answered, now))
    record(session, ini, user_id, "answered", now, approvers=[a.approver_id for a in waiting], text=text or "")
    enqueue(session, rows)
    if ini.status is Status.OPEN:  # their reminders resume on their cadence, the missed ones skipped
        schedule(ini, now, cal, skip_missed=True)
    names = ", ".join(mention(a.approver_id) for a in waiting)
    return t(
        "Thanks: {reference} no longer waits on your answer to {names}; it waits on them again.",
        reference=ini.reference,
        names=names,
    )


def reply_in_thread(session: Session, team_id: str, channel: str, thread_ts: str, user_id: str, now) -> bool:
    """A message in the thread of an approver's question: the owner's reply answers the open questions (it is
    already in the conversation: nothing is posted again). Whether it did."""
    found = session.execute(
        select(OutboxMessage.initiative_id).where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.channel == channel,
            OutboxMessage.ts == thread_ts,
            OutboxMessage.key.like("question:%"),
        )
    ).first()
    if found is None:
        return False
    ini = session.get(Initiative, found[0], with_for_update=True)
    if user_id != ini.owner_id or not any(a.asked_owner_at for a in ini.pending):
        return False
    answer(session, ini, user_id, None, now)
    return True


def answered_click(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """The Answered button: the owner answered in the conversation."""
    return answer(session, ini, user_id, "", now)


def deputies(ini: Initiative) -> list[str]:
    """Who was asked, as the workspace's `escalate-to`, to decide in a silent sponsor's place: while the initiative
    is escalated they have the sponsor's choices."""
    return ini.escalated_to.split(",") if ini.status is Status.ESCALATED and ini.escalated_to else []


def require_owner_or_sponsor(ini: Initiative, user_id: str, verb: str, *, deputies_too: bool = False) -> None:
    """Refuse unless this is the owner or the sponsor (or the delegate standing in for the away sponsor; with
    `deputies_too`, whoever was asked in a silent sponsor's place)."""
    if user_id not in (ini.owner_id, ini.sponsor_id, ini.sponsor_stand_in_id) and not (
        deputies_too and user_id in deputies(ini)
    ):
        raise Refusal(
            t(
                ONLY_OWNER_OR_SPONSOR.get(verb, ONLY_OWNER_OR_SPONSOR[""]),
                owner=mention(ini.owner_id),
                sponsor=mention(ini.sponsor_id),
                reference=ini.reference,
            )
        )


# What only the owner or the sponsor may do, as whole sentences (the verb require_owner_or_sponsor() is given).
ONLY_OWNER_OR_SPONSOR = {
    "withdraw": N_("Only the owner ({owner}) or the sponsor ({sponsor}) can withdraw {reference}."),
    "extend": N_("Only the owner ({owner}) or the sponsor ({sponsor}) can extend {reference}."),
    "report on": N_("Only the owner ({owner}) or the sponsor ({sponsor}) can report on {reference}."),
    "nudge the approvers of": N_(
        "Only the owner ({owner}) or the sponsor ({sponsor}) can nudge the approvers of {reference}."
    ),
    "": N_("Only the owner ({owner}) or the sponsor ({sponsor}) can do that with {reference}."),
}


def withdraw(session: Session, ini: Initiative, user_id: str, reason: str, now: datetime) -> str:
    """Withdraw an open or escalated initiative (owner or sponsor). Returns the reply."""
    require_owner_or_sponsor(ini, user_id, "withdraw", deputies_too=True)
    require_asking(ini, t("only open or escalated initiatives can be withdrawn."))
    cal = Calendars.of(session, [ini], now)
    decide(
        session,
        ini,
        Status.WITHDRAWN,
        now,
        actor=user_id,
        event="withdrawn",
        reason=reason,
        **({"for": ini.sponsor_id} if user_id == ini.sponsor_stand_in_id and user_id != ini.sponsor_id else {}),
        why=lambda: t("{actor} withdrew it", actor=mention(user_id)),
        settles=lambda: t("It was withdrawn."),
        cal=cal,
    )

    def withdrawn() -> str:
        values = {"actor": mention(user_id), "title": msg.title_of(ini)}
        if reason:
            return t("{actor} *withdrew* {title}. Reason:\n>{reason}", reason=escape(reason), **values)
        return t("{actor} *withdrew* {title}.", **values)

    enqueue(session, notices.decided(ini, cal, withdrawn, now, actor=user_id))
    return t(
        "{reference} is withdrawn; the pending approvers have been told they need not answer.", reference=ini.reference
    )
