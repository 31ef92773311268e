"""Nudging approvers: the due reminders, the manual nudge, snooze, and rescheduling after changes.

What is due lives in Approval.next_nudge_at (indexed), always derived from stored state
and the clock by schedule.next_nudge, so restarts and extra processes lose nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import keys, notices
from bot.blocks import initiatives as msg
from bot.calendar import describe_wait
from bot.services import Refusal, record
from bot.services.due import DueWork
from bot.services.initiatives import pending_approval, require_owner_or_sponsor
from bot.services.lifecycle import schedule
from bot.services.outbox import enqueue
from bot.services.schedule import last_call_moment, next_nudge, nudges_passed
from bot.services.workspaces import Calendars, today
from bot.text import mention
from storage.enums import Decision, Status
from storage.models import Approval, Initiative

DAY_SECONDS = 24 * 3600


def _nudge(ini: Initiative, a: Approval, cal: Calendars, now: datetime, key: str, kind: str, **kw) -> dict:
    """One reminder to this approver, with how long they have kept it waiting and their next reminder."""
    ws, week, tz = cal.ws(ini.team_id), cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
    waited = describe_wait(week.business_seconds(a.requested_at, now, tz))
    upcoming = next_nudge(ws, week, ini, a, tz)
    return notices.nudge(ini, a, key, kind, waited, upcoming[0].astimezone(tz).date() if upcoming else None, now, **kw)


def remind(session: Session, a: Approval, cal: Calendars, now: datetime) -> list[dict]:
    """The nudge or last call due to this approver now, at most one, inside their working hours."""
    ini = a.initiative
    ws, week, tz = cal.ws(ini.team_id), cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
    working = week.next_working_moment(now, tz)
    upcoming = next_nudge(ws, week, ini, a, tz)
    if upcoming is None or upcoming[0] > now or working > now:
        # Settings changed, or the bot was down past their working day: wait for the right moment.
        a.next_nudge_at = max(upcoming[0], working) if upcoming else None
        return []
    # Catching up after downtime: skip the reminders that were missed rather than send them all,
    # and the next one too if it falls within half an interval of this one (else: two in an hour).
    if not a.last_call_sent and last_call_moment(week, ini, tz) <= now:
        kind, key = "last_call", keys.last_call(a.id, ini.deadline)
        a.last_call_sent = True
        a.nudges_sent = max(a.nudges_sent, nudges_passed(ws, week, a, tz, now))
    else:
        kind = "nudge"
        a.nudges_sent = max(a.nudges_sent + 1, nudges_passed(ws, week, a, tz, now))
        key = keys.nudge(a.id, a.nudges_sent)
    nxt = next_nudge(ws, week, ini, a, tz)
    while nxt and nxt[1] == "nudge" and week.business_seconds(now, nxt[0], tz) < ws.nudge_every * DAY_SECONDS / 2:
        a.nudges_sent += 1
        nxt = next_nudge(ws, week, ini, a, tz)
    a.next_nudge_at = nxt[0] if nxt else None
    # A reminder changes nothing anyone sees on their App Home: no refresh for it.
    record(session, ini, None, "last_call" if kind == "last_call" else "nudged", now, touch=False, to=a.approver_id)
    return [_nudge(ini, a, cal, now, key, kind)]


REMINDERS = DueWork("reminders", Approval.next_nudge_at, Status.OPEN, remind, batch=500,
                    written=("nudges_sent", "last_call_sent", "next_nudge_at"))


def manual_nudge(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """Owner or sponsor nudges every pending approver now (in their working hours), once per business day."""
    require_owner_or_sponsor(ini, user_id, "nudge the approvers of")
    if ini.status is not Status.OPEN:
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; only open initiatives can be nudged.")
    cal = Calendars.of(session, [ini], now)
    ws, week = cal.ws(ini.team_id), cal.week(ini.team_id)
    day = today(ws, now)
    if ini.last_manual_nudge_on == day:
        raise Refusal(f"The approvers of {ini.reference} were already nudged today. You can nudge again on "
                      f"{msg.day(week.next_business_day(day))}.")
    pending = ini.pending
    ini.last_manual_nudge_on = day
    enqueue(session, [_nudge(ini, a, cal, now, keys.manual_nudge(a.id, day), "manual",
                             not_before=cal.working_moment(ini.team_id, a.approver_id, now)) for a in pending])
    record(session, ini, user_id, "manual_nudge", now, approvers=[a.approver_id for a in pending])
    names = ", ".join(mention(a.approver_id) for a in pending)
    return f"Nudged {names} about {ini.reference}. Each gets it now, or at the start of their next working day."


def snooze(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """Move this approver's next reminder to their next business day; the waiting clock keeps running."""
    a = pending_approval(ini, user_id, "snooze reminders for")
    if ini.status is not Status.OPEN:
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; there are no reminders to snooze.")
    cal = Calendars.of(session, [ini], now)
    week, tz = cal.week(ini.team_id, user_id), cal.tz(ini.team_id, user_id)
    local_day = now.astimezone(tz).date()
    a.snoozed_until = week.next_working_moment(week.start_of_day(week.next_business_day(local_day), tz), tz)
    upcoming = next_nudge(cal.ws(ini.team_id), week, ini, a, tz)
    a.next_nudge_at = upcoming[0] if upcoming else None
    record(session, ini, user_id, "snoozed", now, until=a.snoozed_until.isoformat())
    when = f"{msg.day(a.next_nudge_at.astimezone(tz).date())}" if a.next_nudge_at else "the deadline"
    return (f"Snoozed: no reminder about {ini.reference} before {when}. "
            "The waiting time keeps counting, and the deadline stays the same.")


def reschedule_workspace(session: Session, team_id: str, now: datetime) -> None:
    """After a settings change: recompute every open initiative's deadline moment and next nudges."""
    _reschedule(session, select(Initiative).where(Initiative.team_id == team_id, Initiative.status == Status.OPEN), now,
                skip_missed=True)


def reschedule_person(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """After a person's time zone changed: recompute their next nudges on open initiatives."""
    _reschedule(session, select(Initiative).join(Approval).where(
        Initiative.team_id == team_id, Initiative.status == Status.OPEN,
        Approval.approver_id == user_id, Approval.decision == Decision.PENDING), now, skip_missed=False)


def _reschedule(session: Session, query, now: datetime, *, skip_missed: bool) -> None:
    initiatives = list(session.scalars(query))
    cal = Calendars.of(session, initiatives, now)
    for ini in initiatives:
        schedule(ini, now, cal, skip_missed=skip_missed)
