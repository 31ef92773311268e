"""Nudging approvers: the due sweep, the manual nudge, snooze, and rescheduling after changes.

What is due lives in Approval.next_nudge_at (indexed), always derived from stored state
and the clock by schedule.next_nudge, so restarts and extra processes lose nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.blocks import initiatives as msg
from bot.calendar import describe_wait, zone
from bot.services import Refusal, record
from bot.services.initiatives import pending_approval, require_owner_or_sponsor
from bot.services.outbox import enqueue, message
from bot.services.schedule import last_call_moment, next_nudge, nudges_passed
from bot.services.workspaces import batch_zones, people_zones, today, work_week, workspace
from bot.text import mention
from storage.db import insert_new, update_many
from storage.models import Approval, Event, Initiative, Workspace

BATCH = 500
DAY_SECONDS = 24 * 3600


def nudge_payload(ws, week, ini: Initiative, approval: Approval, tz, now: datetime, kind: str) -> dict:
    """A nudge DM: how long they have waited, who else is pending, what happens next."""
    waited = describe_wait(week.business_seconds(approval.requested_at, now, tz))
    others = [a for a in ini.pending if a.id != approval.id]
    upcoming = next_nudge(ws, week, ini, approval, tz)
    if kind == "last_call":
        opening = f"*Last call* for {msg.title_of(ini)}: it has waited on you for *{waited}*."
    elif kind == "manual":
        opening = f"{mention(ini.owner_id)} sent you a reminder about {msg.title_of(ini)}: it has waited on you for *{waited}*."
    else:
        opening = f"Reminder: {msg.title_of(ini)} has waited on you for *{waited}*."
    lines = [opening]
    lines.append(f"Also pending: {', '.join(mention(a.approver_id) for a in others)}." if others else "You are the last one pending.")
    plan = f"Next reminder: {msg.day(upcoming[0].astimezone(tz).date())}. " if upcoming and kind != "last_call" else ""
    lines.append(f"{plan}At the end of {msg.day(ini.deadline)}, {mention(ini.sponsor_id)} will be asked whether to proceed without your sign-off.")
    return msg.message_with_buttons(f"{ini.reference}: waiting on you for {waited}", "\n".join(lines), ini)


def send_due_nudges(session: Session, now: datetime) -> bool:
    """Queue the nudges and last calls due now, at most one per approver, inside their working hours.

    Returns whether a full batch was taken (more may be due)."""
    approvals = list(session.scalars(
        select(Approval).join(Initiative)
        .where(Approval.next_nudge_at <= now, Initiative.status == "open")
        .order_by(Approval.next_nudge_at).limit(BATCH)
        # Spelled out: the default selectin of Initiative.approvals stops at the cycle back to Approval,
        # which left ini.pending to one lazy load per initiative.
        .options(selectinload(Approval.initiative).selectinload(Initiative.approvals))
        .with_for_update(of=Approval, skip_locked=True)
    ))
    if not approvals:
        return False
    users: dict[str, set] = {}
    for a in approvals:
        users.setdefault(a.initiative.team_id, set()).add(a.approver_id)
    workspaces, zones = batch_zones(session, users, now)
    rows, events = [], []
    for a in approvals:
        ini, ws = a.initiative, workspaces[a.initiative.team_id]
        week, tz = work_week(ws), zones[ini.team_id][a.approver_id]
        working = week.next_working_moment(now, tz)
        upcoming = next_nudge(ws, week, ini, a, tz)
        if upcoming is None or upcoming[0] > now or working > now:
            # Settings changed, or the bot was down past their working day: wait for the right moment.
            a.next_nudge_at = max(upcoming[0], working) if upcoming else None
            continue
        # Catching up after downtime: skip the reminders that were missed rather than send them all,
        # and the next one too if it falls within half an interval of this one (else: two in an hour).
        if not a.last_call_sent and last_call_moment(week, ini, tz) <= now:
            kind, key = "last_call", f"lastcall:{a.id}:{ini.deadline.isoformat()}"
            a.last_call_sent = True
            a.nudges_sent = max(a.nudges_sent, nudges_passed(ws, week, a, tz, now))
        else:
            kind = "nudge"
            a.nudges_sent = max(a.nudges_sent + 1, nudges_passed(ws, week, a, tz, now))
            key = f"nudge:{a.id}:{a.nudges_sent}"
        nxt = next_nudge(ws, week, ini, a, tz)
        while nxt and nxt[1] == "nudge" and week.business_seconds(now, nxt[0], tz) < ws.nudge_every * DAY_SECONDS / 2:
            a.nudges_sent += 1
            nxt = next_nudge(ws, week, ini, a, tz)
        a.next_nudge_at = nxt[0] if nxt else None
        rows.append(message(ini.team_id, key, a.approver_id, nudge_payload(ws, week, ini, a, tz, now, kind),
                            now=now, initiative_id=ini.id))
        events.append(Event(team_id=ini.team_id, initiative_id=ini.id, actor_id=None,
                            kind="last_call" if kind == "last_call" else "nudged", data={"to": a.approver_id}, at=now))
    # One statement each for the batch's approvals, events and messages, whatever its size.
    update_many(session, approvals, ("nudges_sent", "last_call_sent", "next_nudge_at"))
    session.add_all(events)
    insert_new(session, Event)
    enqueue(session, rows)
    return len(approvals) == BATCH


def manual_nudge(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """Owner or sponsor nudges every pending approver now (in their working hours), once per business day."""
    require_owner_or_sponsor(ini, user_id, "nudge the approvers of")
    if ini.status != "open":
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; only open initiatives can be nudged.")
    ws = workspace(session, ini.team_id, now=now)
    week, day = work_week(ws), today(ws, now)
    if ini.last_manual_nudge_on == day:
        raise Refusal(f"The approvers of {ini.reference} were already nudged today. You can nudge again on "
                      f"{msg.day(week.next_business_day(day))}.")
    pending = ini.pending
    zones = people_zones(session, ini.team_id, [a.approver_id for a in pending], ws.timezone)
    ini.last_manual_nudge_on = day
    rows = [
        message(ini.team_id, f"manual:{a.id}:{day.isoformat()}", a.approver_id,
                nudge_payload(ws, week, ini, a, zones[a.approver_id], now, "manual"), now=now,
                initiative_id=ini.id, not_before=week.next_working_moment(now, zones[a.approver_id]))
        for a in pending
    ]
    enqueue(session, rows)
    record(session, ini, user_id, "manual_nudge", now, approvers=[a.approver_id for a in pending])
    names = ", ".join(mention(a.approver_id) for a in pending)
    return f"Nudged {names} about {ini.reference}. Each gets it now, or at the start of their next working day."


def snooze(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """Move this approver's next reminder to their next business day; the waiting clock keeps running."""
    a = pending_approval(ini, user_id, "snooze reminders for")
    if ini.status != "open":
        raise Refusal(f"{ini.reference} is {msg.STATUS_LABEL[ini.status]}; there are no reminders to snooze.")
    ws = workspace(session, ini.team_id, now=now)
    week = work_week(ws)
    tz = people_zones(session, ini.team_id, [user_id], ws.timezone)[user_id]
    local_day = now.astimezone(tz).date()
    until = week.next_working_moment(week.start_of_day(week.next_business_day(local_day), tz), tz)
    a.snoozed_until = until
    nxt = next_nudge(ws, week, ini, a, tz)
    a.next_nudge_at = nxt[0] if nxt else None
    record(session, ini, user_id, "snoozed", now, until=until.isoformat())
    when = f"{msg.day(a.next_nudge_at.astimezone(tz).date())}" if a.next_nudge_at else "the deadline"
    return (f"Snoozed: no reminder about {ini.reference} before {when}. "
            "The waiting time keeps counting, and the deadline stays the same.")


def reschedule(session: Session, ini: Initiative, now: datetime, *, skip_missed: bool = False) -> None:
    """Recompute the next nudge of each pending approver (after an extension or a settings change)."""
    ws = workspace(session, ini.team_id, now=now)
    week = work_week(ws)
    zones = people_zones(session, ini.team_id, [a.approver_id for a in ini.pending], ws.timezone)
    for a in ini.pending:
        tz = zones[a.approver_id]
        if skip_missed:
            a.nudges_sent = max(a.nudges_sent, nudges_passed(ws, week, a, tz, now))
        nxt = next_nudge(ws, week, ini, a, tz)
        a.next_nudge_at = nxt[0] if nxt else None


def reschedule_workspace(session: Session, team_id: str, now: datetime) -> None:
    """After a settings change: recompute every open initiative's deadline moment and next nudges."""
    ws: Workspace = workspace(session, team_id, now=now)
    week = work_week(ws)
    for ini in session.scalars(select(Initiative).where(Initiative.team_id == team_id, Initiative.status == "open")):
        ini.escalate_at = week.end_of_day(ini.deadline, zone(ws.timezone))
        reschedule(session, ini, now, skip_missed=True)


def reschedule_person(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """After a person's time zone changed: recompute their next nudges on open initiatives."""
    for ini in session.scalars(select(Initiative).join(Approval).where(
            Initiative.team_id == team_id, Initiative.status == "open",
            Approval.approver_id == user_id, Approval.decision == "pending")):
        reschedule(session, ini, now)
