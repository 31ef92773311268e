"""The one door through which an initiative's status changes: the move is checked, every due column
follows the new state, and the change is recorded as an event.

A due column (Initiative.escalate_at, next_sponsor_ask_at, escalate_further_at, next_report_reminder_at,
Approval.next_nudge_at) is set only while its kind of work can fire in the current state, so the
sweep finds work through indexes and a state change can never leave a stale reminder behind.
"""

from __future__ import annotations

from datetime import datetime

from bot.blocks.initiatives import STATUS_LABEL
from bot.calendar import zone
from bot.i18n import t
from bot.services import Refusal, record
from bot.services.schedule import next_nudge, nudges_passed
from bot.services.workspaces import Calendars
from storage.enums import Status
from storage.models import Initiative

# OPEN → OPEN is an extension: a new deadline, the same state, every due moment recomputed.
ALLOWED = {
    Status.OPEN: {Status.OPEN, Status.ESCALATED, Status.PROCEEDING, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
    Status.ESCALATED: {Status.OPEN, Status.PROCEEDING, Status.APPROVED, Status.REJECTED, Status.WITHDRAWN},
    Status.PROCEEDING: {Status.REPORTED},
    Status.REJECTED: {Status.OPEN},  # resubmitted: a new round
}


def move(
    session, ini: Initiative, status: Status, now: datetime, cal: Calendars, *, actor: str | None, event: str, **data
) -> None:
    """Change the status (a move SPEC §2 does not allow is a bug: ValueError), reschedule, record `event`."""
    if status not in ALLOWED.get(ini.status, ()):
        raise ValueError(f"{ini.reference} cannot go from {ini.status} to {status}")
    ini.status = status
    if status is Status.ESCALATED:
        ini.escalated_at, ini.escalated_to = now, None  # a new escalation: the second level counts afresh
    elif status is Status.PROCEEDING:
        ini.proceeded_at = now
    elif status.closed:
        ini.closed_at = now
    schedule(ini, now, cal, skip_missed=True)
    record(session, ini, actor, event, now, **data)


def schedule(ini: Initiative, now: datetime, cal: Calendars, *, skip_missed: bool = False) -> None:
    """Derive every due column from the initiative's state and calendars.

    With `skip_missed`, reminders the cadence has already passed are skipped rather than sent late
    (after an extension, a settings change or downtime)."""
    ws = cal.ws(ini.team_id)
    week = cal.week(ini.team_id)
    ini.escalate_at = week.end_of_day(ini.deadline, zone(ws.timezone)) if ini.status is Status.OPEN else None
    if ini.status is not Status.ESCALATED:
        ini.next_sponsor_ask_at = None
    elif ini.next_sponsor_ask_at is None:  # just escalated: the first ask goes out now, the next one after the cadence
        ini.next_sponsor_ask_at = cal.after_business_days(ini.team_id, ini.sponsor_id, now, ws.sponsor_every)
    if ini.status is not Status.ESCALATED:
        ini.escalate_further_at = None
    elif ini.escalate_further_at is None and ini.escalated_to is None:
        ini.escalate_further_at = further_escalation_at(ini, cal)
    if ini.status is not Status.PROCEEDING:
        ini.next_report_reminder_at = None
    elif ini.next_report_reminder_at is None and ini.report_due:
        owner_tz, owner_week = cal.tz(ini.team_id, ini.owner_id), cal.week(ini.team_id, ini.owner_id)
        ini.next_report_reminder_at = owner_week.next_working_moment(
            owner_week.start_of_day(ini.report_due, owner_tz), owner_tz
        )
    ini.waiting_since = waiting_since(ini)
    for a in ini.pending:
        tz, week = cal.tz(ini.team_id, a.approver_id), cal.week(ini.team_id, a.approver_id)  # their own calendar
        if skip_missed and ini.status is Status.OPEN:
            a.nudges_sent = max(a.nudges_sent, nudges_passed(ws, week, a, tz, now))
        upcoming = next_nudge(ws, week, ini, a, tz)
        a.next_nudge_at = upcoming[0] if upcoming else None


def further_escalation_at(ini: Initiative, cal: Calendars) -> datetime | None:
    """When `escalate-to` is told that the sponsor of this escalated initiative has not decided: `sponsor-wait`
    business days (the sponsor's) after the sponsor was asked; None when nobody is set (or only the sponsor or
    the owner is, who know already)."""
    ws = cal.ws(ini.team_id)
    if not ws.escalate_to or ws.escalate_to in (ini.sponsor_id, ini.owner_id) or ini.escalated_at is None:
        return None
    asked = cal.working_moment(ini.team_id, ini.sponsor_id, ini.escalated_at)
    return cal.after_business_days(ini.team_id, ini.sponsor_id, asked, ws.sponsor_wait)


def waiting_since(ini: Initiative) -> datetime | None:
    """When the initiative's longest wait began (its earliest pending request), while approvers are asked."""
    return min((a.requested_at for a in ini.pending), default=None) if ini.status.asking else None


def require_asking(ini: Initiative, consequence: str) -> None:
    """Refuse unless approvers are still asked (open or escalated); `consequence` (translated) says what that means
    here."""
    if not ini.status.asking:
        raise Refusal(
            t(
                "{reference} is {status}; {consequence}",
                reference=ini.reference,
                status=t(STATUS_LABEL[ini.status]),
                consequence=consequence,
            )
        )
