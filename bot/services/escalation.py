"""After the deadline: escalation to the sponsor, Proceed and report, Extend, the report and its reminders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import initiatives as msg
from bot.calendar import zone
from bot.commands import Due
from bot.services import Refusal, record
from bot.services.initiatives import (
    close, deadline_problem, require_owner_or_sponsor, resolve_deadline, settle_requests, withdraw_sponsor_question,
)
from bot.services.nudges import reschedule
from bot.services.outbox import enqueue, message
from bot.services.overview import waits_of
from bot.services.workspaces import batch_zones, people_zones, today, work_week, workspace
from bot.text import escape, mention
from storage.db import insert_new
from storage.models import Event, Initiative

BATCH = 200


def _batch(session: Session, inis: list[Initiative], now: datetime, role: str) -> tuple[dict, dict]:
    """The workspaces of a batch and the time zones of the people in `role` ('sponsor_id', 'owner_id')."""
    people: dict[str, set] = {}
    for ini in inis:
        people.setdefault(ini.team_id, set()).add(getattr(ini, role))
    return batch_zones(session, people, now)


def _after_business_days(ws, tz, now: datetime, days: int) -> datetime:
    """The first working moment, in this zone, once `days` business days have passed."""
    week = work_week(ws)
    return week.next_working_moment(week.after_business_days(now, days, tz), tz)


def _send(session, ini, key: str, recipient: str, payload: dict, now: datetime, **kw) -> None:
    enqueue(session, [message(ini.team_id, key, recipient, payload, now=now, initiative_id=ini.id, **kw)])


def _queue(session: Session, rows: list[dict]) -> None:
    """End of a batch: its events and messages, one statement each."""
    insert_new(session, Event)
    enqueue(session, rows)


def _due(session: Session, column, status: str, now: datetime) -> list[Initiative]:
    return list(session.scalars(
        select(Initiative).where(column <= now, Initiative.status == status)
        .order_by(column).limit(BATCH).with_for_update(skip_locked=True)
    ))


def sponsor_question(session, ini: Initiative, now: datetime, *, again: bool, waits: list | None = None) -> dict:
    """The escalation DM: what waits on whom and for how long, who approved, and the three buttons."""
    if waits is None:
        waits = waits_of(session, [ini], now)[ini.id]
    pending = [f"• {mention(w.approval.approver_id)}: no answer for *{w.text}*" for w in waits if w.approval.decision == "pending"]
    approved = [mention(w.approval.approver_id) for w in waits if w.approval.decision == "approved"]
    opening = ("Reminder: your decision is still needed on " if again else "The deadline has passed on ") + msg.title_of(ini)
    text = (
        f"{opening} ({msg.day(ini.deadline)}). Still waiting on:\n" + "\n".join(pending)
        + (f"\nAlready approved: {', '.join(approved)}." if approved else "\nNobody has approved yet.")
        + f"\nOwner: {mention(ini.owner_id)}. You are the sponsor: proceed without the missing sign-offs "
        "(the owner reports the results afterwards), extend the deadline, or withdraw it."
    )
    return msg.sponsor_decision(f"{ini.reference}: your decision is needed", text, ini)


def _ask_sponsor(session, ini: Initiative, ws, tz, waits: list, now: datetime, *, again: bool) -> dict:
    """The sponsor's question (first, or asked again) for their next working moment; schedules the next ask.

    The next ask counts from now, not from a missed moment, so downtime yields one reminder, not a burst."""
    ini.next_sponsor_ask_at = _after_business_days(ws, tz, now, ws.sponsor_every)
    key = f"sponsor-ask:{ini.id}:{ini.extensions}:{ini.sponsor_asks}" if again else f"escalation:{ini.id}:{ini.extensions}"
    return message(ini.team_id, key, ini.sponsor_id, sponsor_question(session, ini, now, again=again, waits=waits),
                   now=now, initiative_id=ini.id, not_before=work_week(ws).next_working_moment(now, tz))


def escalate_due(session: Session, now: datetime) -> bool:
    """Escalate open initiatives whose deadline day has ended with approvals still pending."""
    inis = _due(session, Initiative.escalate_at, "open", now)
    spaces, zones = _batch(session, inis, now, "sponsor_id")
    waits, rows = waits_of(session, inis, now), []
    for ini in inis:
        ws, tz = spaces[ini.team_id], zones[ini.team_id][ini.sponsor_id]
        ini.status, ini.escalated_at, ini.escalate_at, ini.sponsor_asks = "escalated", now, None, 1
        for a in ini.pending:
            a.next_nudge_at = None
        record(session, ini, None, "escalated", now, to=ini.sponsor_id)
        rows.append(_ask_sponsor(session, ini, ws, tz, waits[ini.id], now, again=False))
        if ini.owner_id != ini.sponsor_id:
            rows.append(message(ini.team_id, f"escalated-owner:{ini.id}:{ini.extensions}", ini.owner_id, msg.notice(ini,
                        f"The deadline of {msg.title_of(ini)} has passed with sign-offs missing. I asked the sponsor "
                        f"{mention(ini.sponsor_id)} whether to proceed and report, extend, or withdraw."),
                        now=now, initiative_id=ini.id))
    _queue(session, rows)
    return len(inis) == BATCH


def ask_sponsor_again(session: Session, now: datetime) -> bool:
    """Re-ask sponsors who have not decided, every sponsor-every business days, in their working hours."""
    inis = _due(session, Initiative.next_sponsor_ask_at, "escalated", now)
    spaces, zones = _batch(session, inis, now, "sponsor_id")
    waits, rows = waits_of(session, inis, now), []
    for ini in inis:
        ws, tz = spaces[ini.team_id], zones[ini.team_id][ini.sponsor_id]
        ini.sponsor_asks += 1
        record(session, ini, None, "sponsor_asked", now, to=ini.sponsor_id)
        rows.append(_ask_sponsor(session, ini, ws, tz, waits[ini.id], now, again=True))
    _queue(session, rows)
    return len(inis) == BATCH


def remind_reports(session: Session, now: datetime) -> bool:
    """Remind owners whose report is due, then every report-every business days until it is filed."""
    inis = _due(session, Initiative.next_report_reminder_at, "proceeding", now)
    spaces, zones = _batch(session, inis, now, "owner_id")
    rows = []
    for ini in inis:
        ws = spaces[ini.team_id]
        ini.report_reminders += 1
        ini.next_report_reminder_at = _after_business_days(ws, zones[ini.team_id][ini.owner_id], now, ws.report_every)
        record(session, ini, None, "report_reminded", now, to=ini.owner_id)
        overdue = today(ws, now) > ini.report_due
        rows.append(message(ini.team_id, f"report-reminder:{ini.id}:{ini.report_reminders}", ini.owner_id, msg.notice(ini,
                    f"The report on {msg.title_of(ini)} is {'overdue since' if overdue else 'due'} {msg.day(ini.report_due)}. "
                    f"{mention(ini.sponsor_id)} decided to proceed without all sign-offs; tell everyone how it went with "
                    f"`/greenlight report {ini.reference} <what happened>`."), now=now, initiative_id=ini.id))
    _queue(session, rows)
    return len(inis) == BATCH


def proceed(session: Session, ini: Initiative, user_id: str, note: str, now: datetime) -> str:
    """The sponsor decides to go ahead without the missing sign-offs; the owner owes a report."""
    if user_id != ini.sponsor_id:
        raise Refusal(f"Only the sponsor of {ini.reference}, {mention(ini.sponsor_id)}, can decide to proceed without sign-off.")
    if ini.status == "proceeding":
        raise Refusal(f"{ini.reference} is already proceeding; the report is due {msg.day(ini.report_due)}. Nothing changed.")
    if ini.status not in ("open", "escalated"):
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; there is nothing to proceed with. Nothing changed.")
    ws = workspace(session, ini.team_id, now=now)
    was_escalated = ini.status == "escalated"
    ini.status, ini.proceeded_at = "proceeding", now
    ini.escalate_at = ini.next_sponsor_ask_at = None
    ini.report_due = work_week(ws).add_business_days(today(ws, now), ws.report_after)
    owner_tz = people_zones(session, ini.team_id, [ini.owner_id], ws.timezone)[ini.owner_id]
    ini.next_report_reminder_at = work_week(ws).next_working_moment(work_week(ws).start_of_day(ini.report_due, owner_tz), owner_tz)
    record(session, ini, user_id, "proceeded", now, note=note)
    pending = ini.pending
    for a in pending:
        a.next_nudge_at = None
    why = f"\n>{escape(note)}" if note else ""
    missing = ", ".join(mention(a.approver_id) for a in pending) or "nobody"
    _send(session, ini, f"proceed-owner:{ini.id}", ini.owner_id, msg.notice(ini,
          f"{mention(user_id)} decided to *proceed* with {msg.title_of(ini)} without the missing sign-offs ({missing}). "
          f"Go ahead, and report the results by *{msg.day(ini.report_due)}* with "
          f"`/greenlight report {ini.reference} <what happened>`.{why}"), now)
    for a in pending:
        _send(session, ini, f"proceed-approver:{a.id}", a.approver_id, msg.notice(ini,
              f"Thank you for your time on {msg.title_of(ini)}. The sponsor {mention(user_id)} decided to proceed "
              f"without waiting longer for sign-off; {mention(ini.owner_id)} will report the results by "
              f"{msg.day(ini.report_due)}. If you still approve, your approval is recorded as a ratification."), now)
    settle_requests(session, ini, now, {a.id: "The sponsor decided to proceed; a report will follow. You can still approve "
                                                "with `/greenlight approve " + ini.reference + "`." for a in pending})
    _send(session, ini, f"proceed-note:{ini.id}", ini.channel_id, msg.notice(ini,
          f"{mention(user_id)} decided to *proceed and report* on {msg.title_of(ini)} without sign-off from {missing}. "
          f"Report due {msg.day(ini.report_due)}.{why}"), now)
    if was_escalated:
        withdraw_sponsor_question(session, ini, now, "You decided to proceed and report.")
    return f"{ini.reference} is proceeding. {mention(ini.owner_id)} has been told to go ahead and to report by {msg.day(ini.report_due)}."


def extendable(ini: Initiative, user_id: str) -> None:
    """Refuse unless this person may extend this initiative now."""
    require_owner_or_sponsor(ini, user_id, "extend")
    if ini.status not in ("open", "escalated"):
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; only open or escalated initiatives can be extended.")


def extend(session: Session, ini: Initiative, user_id: str, due: Due, now: datetime) -> str:
    """A new deadline in the future: back to open, nudges resume on the cadence."""
    extendable(ini, user_id)
    ws = workspace(session, ini.team_id, now=now)
    deadline = resolve_deadline(ws, due, now)
    problem = deadline_problem(ws, deadline, now)
    if problem is None and deadline <= ini.deadline:
        problem = f"The new deadline must be later than the current one ({msg.day(ini.deadline)})."
    if problem:
        raise Refusal(f"{problem} Try `/greenlight extend {ini.reference} in 5 days`.")
    was_escalated = ini.status == "escalated"
    old_round = ini.extensions
    ini.status, ini.deadline, ini.extensions = "open", deadline, ini.extensions + 1
    ini.escalate_at = work_week(ws).end_of_day(deadline, zone(ws.timezone))
    ini.next_sponsor_ask_at = None
    for a in ini.pending:
        a.last_call_sent = False
    reschedule(session, ini, now, skip_missed=True)
    record(session, ini, user_id, "extended", now, deadline=deadline.isoformat())
    text = f"{mention(user_id)} extended the deadline of {msg.title_of(ini)} to *{msg.day(deadline)}*."
    for a in ini.pending:
        _send(session, ini, f"extended:{a.id}:{ini.extensions}", a.approver_id, msg.message_with_buttons(
            f"{ini.reference}: new deadline {msg.day(deadline)}", text + " Your sign-off is still needed.", ini), now)
    for person in {ini.owner_id, ini.sponsor_id} - {user_id}:
        _send(session, ini, f"extended:{person}:{ini.extensions}", person, msg.notice(ini, text), now)
    if was_escalated:
        withdraw_sponsor_question(session, ini, now, f"The deadline was extended to {msg.day(deadline)}.", round=old_round)
    return f"{ini.reference} now has the deadline {msg.day(deadline)} (extension {ini.extensions}); reminders resume."


def report(session: Session, ini: Initiative, user_id: str, text: str, now: datetime) -> str:
    """File the report of an initiative that proceeded: channel, sponsor and every approver get it."""
    require_owner_or_sponsor(ini, user_id, "report on")
    if ini.status != "proceeding":
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; a report is filed only after the sponsor "
                      "decided to proceed without all sign-offs.")
    if not text.strip():
        raise Refusal(f"Please write the report: `/greenlight report {ini.reference} <what happened>`.")
    ini.report_text = text
    record(session, ini, user_id, "reported", now, text=text)
    close(session, ini, "reported", now, "the report is filed")
    body = f"*Report* on {msg.title_of(ini)} from {mention(user_id)}, after proceeding without all sign-offs:\n>{escape(text)}"
    _send(session, ini, f"report-note:{ini.id}", ini.channel_id, msg.notice(ini, body), now)
    for person in dict.fromkeys([ini.owner_id, ini.sponsor_id, *(a.approver_id for a in ini.approvals)]):
        if person != user_id:
            _send(session, ini, f"report:{ini.id}:{person}", person, msg.notice(ini, body), now)
    return f"Thanks: the report on {ini.reference} is posted in <#{ini.channel_id}> and sent to the sponsor and the approvers."

