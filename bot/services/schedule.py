"""When each approver is next nudged, derived from stored state and the clock."""

from __future__ import annotations

from datetime import datetime

from bot.calendar import WorkWeek
from storage.models import Approval, Initiative, Workspace


def cadence_moment(ws: Workspace, week: WorkWeek, approval: Approval, tz, number: int) -> datetime:
    """When regular nudge `number` (1-based) falls due, before working hours are applied."""
    days = ws.first_nudge + (number - 1) * ws.nudge_every
    return week.after_business_days(approval.requested_at, days, tz)


def last_call_moment(week: WorkWeek, ini: Initiative, tz) -> datetime:
    """The start of work, in the approver's zone, on the business day before the deadline."""
    return week.next_working_moment(week.start_of_day(week.previous_business_day(ini.deadline), tz), tz)


def next_nudge(ws: Workspace, week: WorkWeek, ini: Initiative, approval: Approval, tz) -> tuple[datetime, str] | None:
    """The next nudge for a pending approval on an open initiative: (when, 'nudge' or 'last_call')."""
    if ini.status != "open" or approval.decision != "pending" or ini.escalate_at is None:
        return None
    if approval.last_call_sent:
        return None  # after the last call, the next step is the sponsor's
    regular = week.next_working_moment(cadence_moment(ws, week, approval, tz, approval.nudges_sent + 1), tz)
    candidates = [(regular, "nudge")]
    last_call = last_call_moment(week, ini, tz)
    if last_call > approval.requested_at:
        candidates.append((last_call, "last_call"))
    if approval.snoozed_until:  # a snooze never delays the last call (SPEC §4), even one from before an extension
        candidates = [(max(at, approval.snoozed_until) if kind == "nudge" else at, kind) for at, kind in candidates]
    when, kind = min(candidates)
    if when >= ini.escalate_at:
        return None
    return when, kind


def nudges_passed(ws: Workspace, week: WorkWeek, approval: Approval, tz, now: datetime) -> int:
    """How many regular nudges the cadence has reached by `now` (to skip, not repeat, missed ones)."""
    waited = week.business_days_waited(approval.requested_at, now, tz)
    if waited < ws.first_nudge:
        return 0
    return 1 + (waited - ws.first_nudge) // ws.nudge_every
