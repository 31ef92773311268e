"""Nudging approvers: the due reminders, the manual nudge, snooze, and rescheduling after changes.

What is due lives in Approval.next_nudge_at (indexed), always derived from stored state
and the clock by schedule.next_nudge, so restarts and extra processes lose nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from bot import i18n, keys, notices
from bot.blocks import initiatives as msg
from bot.i18n import t
from bot.parsing import Due
from bot.services import Refusal, away, record
from bot.services.due import DueWork
from bot.services.initiatives import pending_approval, require_owner_or_sponsor
from bot.services.lifecycle import schedule
from bot.services.outbox import arrival, dm_went_out, enqueue, withdraw_unsent
from bot.services.schedule import last_call_moment, next_nudge, nudges_passed
from bot.services.workspaces import Calendars, today
from bot.text import mention
from storage.enums import Decision, Status
from storage.models import Approval, Initiative, Person

DAY_SECONDS = 24 * 3600


def _nudge(ini: Initiative, a: Approval, cal: Calendars, now: datetime, key: str, kind: str, **kw) -> dict:
    """One reminder to this approver (or to whoever stands in for them), with how long they have kept it waiting
    and their next reminder."""
    ws, week, tz = cal.ws(ini.team_id), cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
    waited = week.business_seconds(a.requested_at, now, tz)
    upcoming = next_nudge(ws, week, ini, a, tz)
    day = upcoming[0].astimezone(tz).date() if upcoming else None
    return notices.nudge(ini, cal, a, key, kind, waited, day, now, **kw)


def _answering(
    session: Session, ini: Initiative, a: Approval, cal: Calendars, now: datetime
) -> tuple[str | None, bool]:
    """Who is reminded for this approval now: (their delegate, or None for themself; whether the reminder waits
    instead, because they are away with nobody standing in: then the owner is told, once per absence, apart from
    the reminders of the batch)."""
    absence = cal.away(ini.team_id, a.approver_id, now)
    who = away.stand_in(cal, ini, absence, now)
    if a.stand_in_id != who:
        a.stand_in_id = who  # delegation does not chain: a delegate away too stands in for nobody
    if absence is None or who:
        return who, False
    a.next_nudge_at = cal.back(ini.team_id, a.approver_id, absence)
    enqueue(session, away.told_owner(ini, a, absence, cal, now), cal)
    return None, True


def reminded_on_day(cal: Calendars, team_id: str, user_id: str, at: datetime) -> datetime | None:
    """When this person got (or will get) a reminder on the local day of `at`, if they did: one a day."""
    person, tz = cal.person(team_id, user_id), cal.tz(team_id, user_id)
    last = person.last_reminder_at if person else None
    return last if last and last.astimezone(tz).date() == at.astimezone(tz).date() else None


def _remember_reminder(cal: Calendars, team_id: str, user_id: str, at: datetime) -> None:
    person = cal.person(team_id, user_id)
    if person is not None:
        person.last_reminder_at = at


def owner_moment(cal: Calendars, ini: Initiative, a: Approval, number: int) -> datetime:
    """When the owner's n-th reminder of an approver's open question falls due: on the approvers' cadence, counted
    from the question, in the owner's calendar."""
    ws = cal.ws(ini.team_id)
    days = ws.first_nudge + (number - 1) * ws.nudge_every
    return cal.after_business_days(ini.team_id, ini.owner_id, a.asked_owner_at, days)


def remind_owner(session: Session, a: Approval, cal: Calendars, now: datetime) -> list[dict]:
    """While an approver's question is open the wait is on the owner: the owner is reminded (not the approver),
    in their working hours, on the same cadence; the deadline does not move."""
    ini = a.initiative
    ws, week, tz = cal.ws(ini.team_id), cal.week(ini.team_id, ini.owner_id), cal.tz(ini.team_id, ini.owner_id)
    waited = week.business_days_waited(a.asked_owner_at, now, tz)
    number = 0 if waited < ws.first_nudge else 1 + (waited - ws.first_nudge) // ws.nudge_every
    upcoming = owner_moment(cal, ini, a, number + 1)
    a.next_nudge_at = upcoming if upcoming < ini.escalate_at else None
    if number == 0:
        return []
    record(session, ini, None, "owner_reminded", now, touch=False, to=ini.owner_id)
    key = keys.owner_reminder(a.id, f"{a.asked_owner_at:%Y%m%d%H%M%S}", number)
    return [notices.owner_reminder(ini, cal, a, key, week.business_seconds(a.asked_owner_at, now, tz), now)]


def remind(session: Session, a: Approval, cal: Calendars, now: datetime, *, joining: bool = False) -> list[dict]:
    """The nudge or last call due to this approver now, at most one, inside their working hours; while their
    question to the owner is open, the owner's reminder instead. `joining`: it is due later on this working day and
    joins the reminder this person gets now (one DM a day, SPEC §3)."""
    ini = a.initiative
    if a.asked_owner_at:
        return remind_owner(session, a, cal, now)
    ws, week, tz = cal.ws(ini.team_id), cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
    working = week.next_working_moment(now, tz)
    upcoming = next_nudge(ws, week, ini, a, tz)
    later_today = joining and upcoming is not None and upcoming[0].astimezone(tz).date() == now.astimezone(tz).date()
    if upcoming is None or (upcoming[0] > now and not later_today) or working > now:
        # Settings changed, or the bot was down past their working day: wait for the right moment.
        a.next_nudge_at = max(upcoming[0], working) if upcoming else None
        return []
    stand_in, held = _answering(session, ini, a, cal, now)
    if held:
        return []
    recipient = stand_in or a.approver_id
    earlier = reminded_on_day(cal, ini.team_id, recipient, now)
    person = cal.person(ini.team_id, recipient)
    if (earlier is not None and earlier != now) or (  # `now`: a reminder of this very sweep, combined with this one
        person is not None and person.digest and dm_went_out(session, cal, ini.team_id, recipient, now, now)
    ):
        # One reminder per person per day (with `digest on`, one DM): today's has gone, so this one waits for their
        # next working day, fresh (dropped if that is past the deadline: then the sponsor is asked instead).
        a.next_nudge_at = week.next_working_moment(
            week.start_of_day(week.next_business_day(now.astimezone(tz).date()), tz), tz
        )
        return []
    due = max(now, upcoming[0])  # later today, for one that joins
    # Catching up after downtime: skip the reminders that were missed rather than send them all,
    # and the next one too if it falls within half an interval of this one (else: two in an hour).
    if not a.last_call_sent and last_call_moment(week, ini, tz) <= due:
        kind, key = "last_call", keys.last_call(a.id, ini.deadline)
        a.last_call_sent = True
        a.nudges_sent = max(a.nudges_sent, nudges_passed(ws, week, a, tz, due))
    else:
        kind = "nudge"
        a.nudges_sent = max(a.nudges_sent + 1, nudges_passed(ws, week, a, tz, due))
        key = keys.nudge(a.id, a.nudges_sent, ini.round)
    nxt = next_nudge(ws, week, ini, a, tz)
    while nxt and nxt[1] == "nudge" and week.business_seconds(due, nxt[0], tz) < ws.nudge_every * DAY_SECONDS / 2:
        a.nudges_sent += 1
        nxt = next_nudge(ws, week, ini, a, tz)
    a.next_nudge_at = nxt[0] if nxt else None
    # A reminder changes nothing anyone sees on their App Home: no refresh for it. (one_a_day records that
    # the person got it.)
    record(session, ini, None, "last_call" if kind == "last_call" else "nudged", now, touch=False, to=recipient)
    return [_nudge(ini, a, cal, now, key, kind, stand_in=stand_in)]


def later_today(session: Session, rows: list[Approval], messages: list[dict], cal: Calendars, now: datetime) -> list:
    """The pending approvals of the people reminded now whose reminder falls due later on their working day: they
    join today's DM rather than wait for tomorrow (SPEC §3: reminders due to one person on one working day come as
    one DM). Locked, like the batch; one query whatever the batch's size."""
    people = {(m["team_id"], m["recipient"]) for m in messages}
    stepped = {a.id for a in rows}
    found = session.scalars(
        select(Approval)
        .join(Initiative)
        .where(
            Initiative.status == Status.OPEN,
            Approval.decision == Decision.PENDING,
            Approval.next_nudge_at > now,
            Approval.next_nudge_at < now + timedelta(days=1),
            or_(
                *(
                    (Initiative.team_id == team) & Approval.approver_id.in_({u for t, u in people if t == team})
                    for team in {t for t, _ in people}
                )
            ),
        )
        .options(selectinload(Approval.initiative).selectinload(Initiative.approvals))
        .with_for_update(of=Approval, skip_locked=True)
    )
    return [
        a
        for a in found
        if a.id not in stepped
        and a.next_nudge_at.astimezone(tz := cal.tz(a.initiative.team_id, a.approver_id)).date()
        == now.astimezone(tz).date()
    ]


def last_call_with_extension(session: Session, ini: Initiative, cal: Calendars, now: datetime) -> set[int]:
    """After an extension: the approvals whose last call for the new deadline is already due when the extension
    reaches them. Its message is their last call (one last call per deadline): none follows it an hour later."""
    at_once = set()
    for a in ini.pending:
        week, tz = cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
        arrives = arrival(session, cal, ini.team_id, a.approver_id, now)
        if last_call_moment(week, ini, tz) <= arrives:
            a.last_call_sent, a.next_nudge_at = True, None
            _remember_reminder(cal, ini.team_id, a.approver_id, arrives)
            record(session, ini, None, "last_call", now, touch=False, to=a.approver_id)
            at_once.add(a.id)
    # A last call for an earlier deadline not yet sent (held for the approver's day) would say the wrong date.
    withdraw_unsent(session, ini.team_id, [keys.last_calls(a.id) for a in ini.pending], now)
    return at_once


def one_a_day(session: Session, rows: list[dict], cal: Calendars, now: datetime) -> list[dict]:
    """A batch's reminders to one person come as one DM listing each initiative with its own buttons; each
    person's last reminder is recorded (one statement per workspace, whatever the batch's size)."""
    by_person: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_person.setdefault((row["team_id"], row["recipient"]), []).append(row)
    combined = []
    for (team_id, person), theirs in by_person.items():
        if len(theirs) == 1:
            combined += theirs
        else:
            day = theirs[0]["created_at"].astimezone(cal.tz(team_id, person)).date()
            combined.append(notices.reminders(cal, team_id, person, theirs, day))
    for team_id in {team for team, _ in by_person}:
        session.execute(
            update(Person)
            .where(
                Person.team_id == team_id, Person.user_id.in_({person for team, person in by_person if team == team_id})
            )
            .values(last_reminder_at=now),
            execution_options={"synchronize_session": False},
        )
    return combined


REMINDERS = DueWork(
    "reminders",
    Approval.next_nudge_at,
    Status.OPEN,
    remind,
    batch=500,
    written=("nudges_sent", "last_call_sent", "next_nudge_at"),
    combine=one_a_day,
    joins=later_today,
)


def manual_nudge(session: Session, ini: Initiative, user_id: str, _text: str, now: datetime) -> str:
    """Owner or sponsor nudges every pending approver now (in their working hours), once per business day."""
    require_owner_or_sponsor(ini, user_id, "nudge the approvers of")
    if ini.status is not Status.OPEN:
        raise Refusal(
            t(
                "{reference} is {status}; only open initiatives can be nudged.",
                reference=ini.reference,
                status=t(msg.STATUS_LABEL[ini.status]),
            )
        )
    cal = Calendars.of(session, [ini], now)
    ws, week = cal.ws(ini.team_id), cal.week(ini.team_id)
    day = today(ws, now)
    if ini.last_manual_nudge_on == day:
        raise Refusal(
            t(
                "The approvers of {reference} were already nudged today. You can nudge again on {day}.",
                reference=ini.reference,
                day=i18n.day(week.next_business_day(day)),
            )
        )
    # Someone away with nobody standing in is not reminded (SPEC §3, Away): they are told on their return.
    away_until = {a.approver_id: away.held_for(cal, ini, a.approver_id, now) for a in ini.pending}
    gone = "; ".join(
        t(
            "{person} is away until {when} your time",
            person=mention(u),
            when=msg.local_time(back, cal.tz(ini.team_id, user_id)),
        )
        for u, back in away_until.items()
        if back
    )
    questions = "; ".join(
        t("{person} waits on your answer", person=mention(a.approver_id)) for a in ini.pending if a.asked_owner_at
    )
    gone = "; ".join(filter(None, [gone, questions]))
    asked = [a for a in ini.pending if not away_until[a.approver_id] and not a.asked_owner_at]
    arrives = {a.approver_id: cal.working_moment(ini.team_id, a.approver_id, now) for a in asked}
    # One reminder per person per day: whoever already had one that day is not reminded again.
    had = {u: at for u, at in ((u, reminded_on_day(cal, ini.team_id, u, when)) for u, when in arrives.items()) if at}
    pending = [a for a in asked if a.approver_id not in had]
    got = "; ".join(
        t("{person} got one {when} their time", person=mention(u), when=msg.local_time(at, cal.tz(ini.team_id, u)))
        for u, at in had.items()
    )
    if not pending:
        why = "; ".join(filter(None, [gone, got and t("{reminded} (at most one reminder a day)", reminded=got)]))
        raise Refusal(
            t(
                "Nobody pending on {reference} can be reminded now: {why}. Nothing was sent.",
                reference=ini.reference,
                why=why,
            )
        )
    ini.last_manual_nudge_on = day
    rows = [
        _nudge(
            ini,
            a,
            cal,
            now,
            keys.manual_nudge(a.id, day),
            "manual",
            not_before=arrives[a.approver_id],
            stand_in=away.stand_in(cal, ini, cal.away(ini.team_id, a.approver_id, now), now),
        )
        for a in pending
    ]
    enqueue(session, rows, cal)
    for r in rows:  # when it arrives: in their working time, in their day's one DM
        _remember_reminder(cal, ini.team_id, r["recipient"], r["next_attempt_at"])
    record(session, ini, user_id, "manual_nudge", now, approvers=[a.approver_id for a in pending])
    names = ", ".join(mention(a.approver_id) for a in pending)
    said = [
        t(
            "Nudged {names} about {reference}. Each gets it now, or at the start of their next working day.",
            names=names,
            reference=ini.reference,
        )
    ]
    # Translators: who was not nudged, and why ('@ana got one Tue 15 Dec 2026 at 09:00 their time')
    said += [t("Not {reasons}.", reasons=reasons) for reasons in (got, gone) if reasons]
    return " ".join(said)


def snooze(session: Session, ini: Initiative, user_id: str, until: Due | str | None, now: datetime) -> str:
    """No reminder to this approver until tomorrow (the button, or no `until`), for N business days, until a
    date, or until next week ('week'), in their own calendar; never past their last call. The waiting clock keeps
    running."""
    a = pending_approval(ini, user_id, "snooze reminders for")
    if ini.status is not Status.OPEN:
        raise Refusal(
            t(
                "{reference} is {status}; there are no reminders to snooze.",
                reference=ini.reference,
                status=t(msg.STATUS_LABEL[ini.status]),
            )
        )
    cal = Calendars.of(session, [ini], now)
    week, tz = cal.week(ini.team_id, user_id), cal.tz(ini.team_id, user_id)
    local_day = now.astimezone(tz).date()
    if until == "week":  # the first business day of next week
        monday = local_day + timedelta(days=7 - local_day.weekday())
        day = monday if week.is_business_day(monday) else week.next_business_day(monday)
    elif isinstance(until, Due) and until.on is not None:
        if until.on <= local_day:
            raise Refusal(
                t(
                    "{day} is not in the future. Try {command}.",
                    day=i18n.day(until.on),
                    command=f"`/greenlight snooze {ini.reference} 3 days`",
                )
            )
        day = until.on if week.is_business_day(until.on) else week.next_business_day(until.on)
    else:
        day = week.add_business_days(local_day, until.business_days if isinstance(until, Due) else 1)
    wanted = week.next_working_moment(week.start_of_day(day, tz), tz)
    last_call = last_call_moment(week, ini, tz)
    capped = not a.last_call_sent and now < last_call < wanted
    a.snoozed_until = last_call if capped else wanted
    upcoming = next_nudge(cal.ws(ini.team_id), week, ini, a, tz)
    a.next_nudge_at = upcoming[0] if upcoming else None
    record(session, ini, user_id, "snoozed", now, until=a.snoozed_until.isoformat())
    if a.next_nudge_at:
        said = [
            t(
                "Snoozed: no reminder about {reference} before {day}.",
                reference=ini.reference,
                day=i18n.day(a.next_nudge_at.astimezone(tz).date()),
            )
        ]
    else:
        said = [t("Snoozed: no reminder about {reference} before the deadline.", reference=ini.reference)]
    if capped:
        said.append(
            t(
                "Not past your last call on {when}: you asked for {day}.",
                when=msg.local_time(last_call, tz),
                day=i18n.day(wanted.astimezone(tz).date()),
            )
        )
    said.append(t("The waiting time keeps counting, and the deadline stays the same."))
    return " ".join(said)


def reschedule_workspace(session: Session, team_id: str, now: datetime) -> None:
    """After a settings change: recompute every open initiative's deadline moment and next nudges."""
    _reschedule(
        session,
        select(Initiative).where(Initiative.team_id == team_id, Initiative.status == Status.OPEN),
        now,
        skip_missed=True,
    )


def reschedule_person(session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """After a person's time zone changed: recompute their next nudges on open initiatives."""
    _reschedule(
        session,
        select(Initiative)
        .join(Approval)
        .where(
            Initiative.team_id == team_id,
            Initiative.status == Status.OPEN,
            Approval.approver_id == user_id,
            Approval.decision == Decision.PENDING,
        ),
        now,
        skip_missed=False,
    )


def _reschedule(session: Session, query, now: datetime, *, skip_missed: bool) -> None:
    initiatives = list(session.scalars(query))
    cal = Calendars.of(session, initiatives, now)
    for ini in initiatives:
        schedule(ini, now, cal, skip_missed=skip_missed)
