"""After the deadline: escalation to the sponsor, Proceed and report, Extend, the report and its reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import i18n, notices, stages
from bot.blocks import initiatives as msg
from bot.i18n import t
from bot.parsing import Due
from bot.services import Refusal, away, groups, record
from bot.services.due import DueWork
from bot.services.initiatives import (
    deadline_problem,
    decide,
    deputies,
    require_owner_or_sponsor,
    resolve_deadline,
    spend_buttons,
)
from bot.services.lifecycle import move, require_asking
from bot.services.nudges import last_call_with_extension
from bot.services.outbox import arrival, enqueue
from bot.services.overview import waits_of
from bot.services.workspaces import Calendars, today, work_week, workspace
from bot.text import is_group, mention
from storage.enums import Decision, Status
from storage.models import Initiative, Person


def _decider(ini: Initiative, cal: Calendars, now: datetime) -> tuple[str | None, datetime | None]:
    """Who the sponsor's question goes to while the sponsor is away: (their delegate, or None; None, or their
    return when nobody stands in: then it waits for them)."""
    absence = cal.away(ini.team_id, ini.sponsor_id, now)
    ini.sponsor_stand_in_id = away.stand_in(cal, ini, absence, now)
    if absence is None or ini.sponsor_stand_in_id:
        return ini.sponsor_stand_in_id, None
    return None, cal.back(ini.team_id, ini.sponsor_id, absence)


def escalate(session: Session, ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The deadline day has ended with approvals pending: the sponsor is asked to decide (their delegate while they
    are away; on their return if nobody stands in), the owner told."""
    move(session, ini, Status.ESCALATED, now, cal, actor=None, event="escalated", to=ini.sponsor_id)
    ini.sponsor_asks = 1
    stand_in, back = _decider(ini, cal, now)
    if back:  # re-asks count from their return
        ws = cal.ws(ini.team_id)
        ini.next_sponsor_ask_at = cal.after_business_days(ini.team_id, ini.sponsor_id, back, ws.sponsor_every)
    asked_at = max(arrival(session, cal, ini.team_id, stand_in or ini.sponsor_id, now), back or now)
    waits = waits_of(session, [ini], now, cal=cal)[ini.id]
    return notices.sponsor_asked(ini, cal, waits, now, asked_at, again=False, stand_in=stand_in, back=back)


def ask_sponsor_again(session: Session, ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The sponsor has not decided: asked again, every sponsor-every business days, in their working hours.

    The next ask counts from now, not from a missed moment, so downtime yields one reminder, not a burst."""
    stand_in, back = _decider(ini, cal, now)
    if back:  # away, nobody standing in: asked again once back
        ini.next_sponsor_ask_at = back
        return []
    ini.sponsor_asks += 1
    ini.next_sponsor_ask_at = cal.after_business_days(
        ini.team_id, ini.sponsor_id, now, cal.ws(ini.team_id).sponsor_every
    )
    record(session, ini, None, "sponsor_asked", now, to=stand_in or ini.sponsor_id)
    asked_at = arrival(session, cal, ini.team_id, stand_in or ini.sponsor_id, now)
    waits = waits_of(session, [ini], now, cal=cal)[ini.id]
    # Once the escalation contact was asked too, they are reminded with the sponsor: silence ends nothing.
    return notices.sponsor_asked(
        ini, cal, waits, now, asked_at, again=True, stand_in=stand_in
    ) + notices.deputies_asked(ini, cal, waits, deputies(ini), now, again=True)


def escalate_further(session: Session, ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The sponsor has not decided `sponsor-wait` business days after being asked: the workspace's `escalate-to`
    is asked, in their working hours, with the sponsor's choices; the owner and the sponsor are told. If it is a user
    group with nobody in it who could decide, the owner, the sponsor and the workspace admins (as the people cache
    knows them) are told so; the sponsor is still asked again on the cadence."""
    contact = cal.ws(ini.team_id).escalate_to
    ini.escalate_further_at = None
    if not contact:  # unset since this was scheduled
        return []
    members = groups.members(session, ini.team_id, contact) if is_group(contact) else [contact]
    people = [u for u in members if u != ini.sponsor_id]
    ini.escalated_to = ",".join(people) or None
    if not people:  # a group emptied since it was set (or only the sponsor is in it): said, not hidden
        record(session, ini, None, "escalated_further_nobody", now, to=contact)
        admins = list(
            session.scalars(
                select(Person)
                .where(
                    Person.team_id == ini.team_id,
                    Person.is_admin,
                    ~Person.deleted,
                    ~Person.is_bot,
                    ~Person.is_guest,
                    Person.user_id.not_in([ini.owner_id, ini.sponsor_id]),
                )
                .order_by(Person.user_id)
            )
        )
        cal.learn(ini.team_id, admins)  # their languages, from the rows just read
        return notices.nobody_to_escalate_to(ini, cal, contact, bool(members), [p.user_id for p in admins], now)
    record(session, ini, None, "escalated_further", now, to=contact)
    waits = waits_of(session, [ini], now, cal=cal)[ini.id]
    return notices.escalated_further(ini, cal, waits, contact, people, now)


def remind_report(session: Session, ini: Initiative, cal: Calendars, now: datetime) -> list[dict]:
    """The report is due: the owner is reminded, then every report-every business days until it is filed."""
    ws = cal.ws(ini.team_id)
    ini.report_reminders += 1
    ini.next_report_reminder_at = cal.after_business_days(ini.team_id, ini.owner_id, now, ws.report_every)
    record(session, ini, None, "report_reminded", now, to=ini.owner_id)
    return notices.report_due(ini, cal, today(ws, now) > ini.report_due, now)


ESCALATIONS = DueWork("escalations", Initiative.escalate_at, Status.OPEN, escalate)
SPONSOR_ASKS = DueWork("sponsor re-asks", Initiative.next_sponsor_ask_at, Status.ESCALATED, ask_sponsor_again)
FURTHER_ESCALATIONS = DueWork("further escalations", Initiative.escalate_further_at, Status.ESCALATED, escalate_further)
REPORT_REMINDERS = DueWork("report reminders", Initiative.next_report_reminder_at, Status.PROCEEDING, remind_report)


def proceed(session: Session, ini: Initiative, user_id: str, note: str, now: datetime) -> str:
    """The sponsor (or their delegate while they are away, or the escalation contact asked in their place) decides to
    go ahead without the missing sign-offs; the owner owes a report."""
    if user_id not in (ini.sponsor_id, ini.sponsor_stand_in_id) and user_id not in deputies(ini):
        raise Refusal(
            t(
                "Only the sponsor of {reference}, {sponsor}, can decide to proceed without sign-off.",
                reference=ini.reference,
                sponsor=mention(ini.sponsor_id),
            )
        )
    if ini.status is Status.PROCEEDING:
        raise Refusal(
            t(
                "{reference} is already proceeding; the report is due {day}. Nothing changed.",
                reference=ini.reference,
                day=i18n.day(ini.report_due),
            )
        )
    require_asking(ini, t("there is nothing to proceed with. Nothing changed."))
    if missing := stages.blocking(ini):
        raise Refusal(
            t(
                "{reference} cannot proceed without {names}: the approval of required "
                "approvers is still missing. Nothing changed. You can extend the deadline "
                "({command}) or withdraw it.",
                reference=ini.reference,
                names=stages.required_names(missing),
                command=f"`/greenlight extend {ini.reference} in 5 days`",
            )
        )
    if ini.sponsor_id == ini.owner_id and all(a.decision == Decision.PENDING for a in ini.approvals):
        raise Refusal(
            t(
                "You are both the owner and the sponsor of {reference}, so you can proceed without sign-off "
                "only once at least one approver has answered. Nothing changed; `/greenlight extend` gives "
                "them more time.",
                reference=ini.reference,
            )
        )
    ws = workspace(session, ini.team_id, now=now)
    pending = ini.pending
    ini.report_due = work_week(ws).add_business_days(today(ws, now), ws.report_after)
    cal = Calendars.of(session, [ini], now)
    decide(
        session,
        ini,
        Status.PROCEEDING,
        now,
        actor=user_id,
        event="proceeded",
        note=note,
        **_for_sponsor(ini, user_id),
        settles=lambda: t("You decided to proceed and report."),
        cal=cal,
    )
    enqueue(session, notices.proceeding(ini, cal, user_id, note, pending, now))
    spend_buttons(
        session,
        ini,
        {
            a.approver_id: lambda: t(
                "The sponsor decided to proceed; a report will follow. You can still approve with "
                "`/greenlight approve {reference}`.",
                reference=ini.reference,
            )
            for a in pending
        },
        now,
        cal,
    )
    return t(
        "{reference} is proceeding. {owner} has been told to go ahead and to report by {day}.",
        reference=ini.reference,
        owner=mention(ini.owner_id),
        day=i18n.day(ini.report_due),
    )


def extend(session: Session, ini: Initiative, user_id: str, due: Due, now: datetime) -> str:
    """A new deadline in the future: back to open, nudges resume on the cadence."""
    extendable(ini, user_id)
    ws = workspace(session, ini.team_id, now=now)
    deadline = resolve_deadline(ws, due, now)
    problem = deadline_problem(ws, deadline, now)
    if problem is None and deadline <= ini.deadline:
        problem = t("The new deadline must be later than the current one ({day}).", day=i18n.day(ini.deadline))
    if problem:
        raise Refusal(
            t("{problem} Try {command}.", problem=problem, command=f"`/greenlight extend {ini.reference} in 5 days`")
        )
    old_round = ini.extensions
    ini.deadline, ini.extensions = deadline, ini.extensions + 1
    for a in ini.pending:
        a.last_call_sent = False  # one last call per deadline
    cal = Calendars.of(session, [ini], now)
    decide(
        session,
        ini,
        Status.OPEN,
        now,
        actor=user_id,
        event="extended",
        deadline=deadline.isoformat(),
        **_for_sponsor(ini, user_id),
        settles=lambda: t("The deadline was extended to {deadline}.", deadline=msg.day(deadline)),
        round=old_round,
        cal=cal,
    )
    enqueue(session, notices.extended(ini, user_id, cal, now, last_call_with_extension(session, ini, cal, now)), cal)
    return t(
        "{reference} now has the deadline {day} (extension {number}); reminders resume.",
        reference=ini.reference,
        day=i18n.day(deadline),
        number=ini.extensions,
    )


def _for_sponsor(ini: Initiative, user_id: str) -> dict:
    """What a decision's event adds when the away sponsor's delegate made it: {'for': the sponsor}."""
    return {"for": ini.sponsor_id} if user_id == ini.sponsor_stand_in_id and user_id != ini.sponsor_id else {}


def extendable(ini: Initiative, user_id: str) -> None:
    """Refuse unless this person may extend this initiative now."""
    require_owner_or_sponsor(ini, user_id, "extend", deputies_too=True)
    require_asking(ini, t("only open or escalated initiatives can be extended."))


def report(session: Session, ini: Initiative, user_id: str, text: str, now: datetime) -> str:
    """File the report of an initiative that proceeded: channel, sponsor and every approver get it."""
    require_owner_or_sponsor(ini, user_id, "report on")
    if ini.status is not Status.PROCEEDING:
        raise Refusal(
            t(
                "{reference} is {status}; a report is filed only after the sponsor "
                "decided to proceed without all sign-offs.",
                reference=ini.reference,
                status=t(msg.STATUS_LABEL[ini.status]),
            )
        )
    if not text.strip():
        raise Refusal(
            t("Please write the report: {command}.", command=f"`/greenlight report {ini.reference} <what happened>`")
        )
    ini.report_text = text
    cal = Calendars.of(session, [ini], now)
    decide(session, ini, Status.REPORTED, now, actor=user_id, event="reported", text=text, settles="", cal=cal)
    enqueue(session, notices.reported(ini, cal, user_id, text, now))
    return t(
        "Thanks: the report on {reference} is posted in {channel} and sent to the sponsor and the approvers.",
        reference=ini.reference,
        channel=f"<#{ini.channel_id}>",
    )
