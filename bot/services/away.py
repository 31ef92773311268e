"""Away and delegation (SPEC §3, Away): someone away gets no reminders; a delegate they named stands in for them.

An absence is declared (`/greenlight me away until …`) or read from a Slack status that says so (bot/people.py).
While it lasts, the person's pending sign-offs (and decisions they owe as sponsor) go to their delegate, if the
delegate may stand in on that initiative (not its owner, sponsor or another approver: one person never gives two
sign-offs; not away themself: delegation does not chain); otherwise they wait for the person's return, and the
owner is told once. Who stands in now is kept on the rows the rules read (Approval.stand_in_id,
Initiative.sponsor_stand_in_id), so that a click or a command by the delegate is checked like any other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import i18n, notices
from bot.blocks import initiatives as msg
from bot.i18n import N_, t
from bot.services import Refusal, record_change
from bot.services.outbox import enqueue
from bot.services.workspaces import Calendars
from bot.text import mention
from storage.enums import ASKING, Decision, Status
from storage.models import Absence, Approval, Initiative, OutboxMessage, Person

MAX_AWAY = timedelta(days=366)
HELD = ("request:", "sponsor:", "escalation:", "sponsor-ask:")  # messages that wait for an absent person's return


class DelegateRefused(Refusal):
    """The delegate named cannot stand in (the App Home's form shows it on the delegate field)."""


def stand_in(cal: Calendars, ini: Initiative, absence: Absence | None, at: datetime) -> str | None:
    """Who answers for the absent person on this initiative at `at`: their delegate if the delegate may (not the
    owner, the sponsor or an approver of it, and not away themself), else nobody."""
    if absence is None or absence.delegate_id is None or unfit(ini, absence.delegate_id):
        return None
    return None if cal.away(ini.team_id, absence.delegate_id, at) else absence.delegate_id


def unfit(ini: Initiative, delegate_id: str) -> str | None:
    """Why this person may not stand in for someone on this initiative (a sentence with {delegate}, marked with N_:
    translate it with t), or None."""
    if delegate_id == ini.owner_id:
        return N_("{delegate} cannot stand in for you: they own {reference}. Name someone else.")
    if delegate_id == ini.sponsor_id:
        return N_("{delegate} cannot stand in for you: they sponsor {reference}. Name someone else.")
    if any(a.approver_id == delegate_id for a in ini.approvals):
        return N_(
            "{delegate} cannot stand in for you: they are an approver of {reference} too (one person cannot give "
            "two sign-offs). Name someone else."
        )
    return None


def affected(session: Session, team_id: str, user_id: str) -> tuple[list[Approval], list[Initiative]]:
    """What an absence of this person concerns: their pending sign-offs on initiatives still asking, and the
    initiatives still asking that they sponsor."""
    approvals = list(
        session.scalars(
            select(Approval)
            .join(Initiative)
            .where(
                Initiative.team_id == team_id,
                Initiative.status.in_(ASKING),
                Approval.approver_id == user_id,
                Approval.decision == Decision.PENDING,
            )
            .order_by(Initiative.number)
        )
    )
    sponsored = list(
        session.scalars(
            select(Initiative)
            .where(Initiative.team_id == team_id, Initiative.sponsor_id == user_id, Initiative.status.in_(ASKING))
            .order_by(Initiative.number)
        )
    )
    return approvals, sponsored


def _delegate_problem(session: Session, cal: Calendars, team_id: str, user_id: str, delegate_id: str, now) -> str:
    """What is wrong with naming this delegate ('' if nothing)."""
    if delegate_id == user_id:
        return t("You cannot stand in for yourself: name a colleague, or leave out `delegate`.")
    person = session.get(Person, (team_id, delegate_id))
    if person is None or person.is_bot or person.deleted:
        return t(
            "{delegate} cannot stand in for you: bots, deactivated and unknown accounts cannot answer. "
            "Name a person with an active account.",
            delegate=mention(delegate_id),
        )
    if absence := cal.away(team_id, delegate_id, now):
        back = i18n.day(absence.ends_at.astimezone(cal.tz(team_id, delegate_id)).date())
        return t(
            "{delegate} is away too (back {day}): name someone who is here.", delegate=mention(delegate_id), day=back
        )
    approvals, sponsored = affected(session, team_id, user_id)
    for ini in [a.initiative for a in approvals] + sponsored:
        if why := unfit(ini, delegate_id):
            return t(why, delegate=mention(delegate_id), reference=ini.reference)
    return ""


def declare(session: Session, team_id: str, user_id: str, until: date, delegate_id: str | None, now: datetime) -> str:
    """`/greenlight me away until <date> [delegate @d]`: away through that day (their time zone), or a Refusal."""
    cal = Calendars.load(session, {team_id: {user_id} | ({delegate_id} if delegate_id else set())}, now)
    tz = cal.tz(team_id, user_id)
    local_today = now.astimezone(tz).date()
    if until < local_today:
        raise Refusal(
            t(
                "{day} is in the past. Try {command}.",
                day=i18n.day(until),
                command=f"`/greenlight me away until {local_today + timedelta(7)}`",
            )
        )
    if until > local_today + MAX_AWAY:
        raise Refusal(
            t("{day} is more than a year away. Pick a nearer date; you can extend it later.", day=i18n.day(until))
        )
    if delegate_id and (problem := _delegate_problem(session, cal, team_id, user_id, delegate_id, now)):
        raise DelegateRefused(problem)
    ends = cal.week(team_id, user_id).start_of_day(until + timedelta(days=1), tz)
    absence = next((a for a in cal.absences.get(team_id, {}).get(user_id, ()) if a.source == "declared"), None)
    if absence is None:
        absence = Absence(team_id=team_id, user_id=user_id, starts_at=now, source="declared", created_at=now)
        session.add(absence)
    absence.ends_at, absence.delegate_id = ends, delegate_id
    session.flush()
    record_change(session, team_id, user_id, "away", now, until=until.isoformat(), delegate=delegate_id)
    cal.absences.setdefault(team_id, {})[user_id] = [
        a for a in cal.absences.get(team_id, {}).get(user_id, []) if a is not absence
    ] + [absence]
    delegated, waiting = keep_stand_ins(session, cal, team_id, user_id, now)
    back = cal.back(team_id, user_id, cal.away(team_id, user_id, now) or absence)
    said = [
        t(
            "You are away until *{day}*: no reminders reach you until you are back ({when} your time).",
            day=i18n.day(until),
            when=msg.local_time(back, tz),
        )
    ]
    if delegated:
        said.append(
            t(
                "{delegate} stands in for you on {references}: they get your requests "
                "and reminders, and may answer for you (recorded with both names).",
                delegate=mention(delegate_id),
                references=", ".join(sorted(delegated)),
            )
        )
    if waiting:
        said.append(
            t(
                "Nobody stands in for you on {references}: those wait for your return, and their owners are told.",
                references=", ".join(sorted(waiting)),
            )
        )
    said.append(t("`/greenlight me away off` ends it early."))
    return " ".join(said)


def from_status(session: Session, team_id: str, user_id: str, until: datetime | None, now: datetime) -> None:
    """What the person's Slack status says, as last read: away until `until` (an absence from now, or the one
    running moved to that end), or not away (an absence read from an earlier status ends now)."""
    running = session.scalar(
        select(Absence).where(
            Absence.team_id == team_id,
            Absence.user_id == user_id,
            Absence.source == "status",
            Absence.ends_at > now,
        )
    )
    if running is None and until is None or running is not None and running.ends_at == until:
        return
    if running is None:
        running = Absence(team_id=team_id, user_id=user_id, starts_at=now, source="status", created_at=now)
        session.add(running)
    running.ends_at = until or max(running.starts_at, now)
    session.flush()
    record_change(session, team_id, user_id, "away_status", now, until=until.isoformat() if until else None)
    keep_stand_ins(session, Calendars.load(session, {team_id: {user_id}}, now), team_id, user_id, now)


def described(session: Session, team_id: str, user_id: str, now: datetime) -> tuple[date | None, str | None]:
    """(the last day away, their delegate) of this person's absence now, if they are away."""
    cal = Calendars.load(session, {team_id: {user_id}}, now)
    absence = cal.away(team_id, user_id, now)
    if absence is None:
        return None, None
    last = (absence.ends_at.astimezone(cal.tz(team_id, user_id)) - timedelta(microseconds=1)).date()
    return last, absence.delegate_id


def come_back(session: Session, team_id: str, user_id: str, now: datetime) -> str:
    """`/greenlight me away off`: every absence of this person running now (or planned) ends now."""
    cal = Calendars.load(session, {team_id: {user_id}}, now)
    running = cal.absences.get(team_id, {}).get(user_id, [])
    if not running:
        raise Refusal(t("You are not marked as away. Nothing changed."))
    for a in running:
        a.ends_at = max(a.starts_at, now)
    record_change(session, team_id, user_id, "back", now)
    cal.absences[team_id][user_id] = []
    keep_stand_ins(session, cal, team_id, user_id, now)
    # What waited for their return comes now (in their working hours).
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.recipient == user_id,
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at > (back := cal.working_moment(team_id, user_id, now)),
            or_(*(OutboxMessage.key.startswith(kind) for kind in HELD)),
        )
        .values(next_attempt_at=back),
        execution_options={"synchronize_session": False},
    )
    status = any(a.source == "status" for a in running)
    said = t("Welcome back: reminders reach you again, in your working hours.")
    if status:
        said += " " + t("Your Slack status still says you are away: clear it in Slack too, or I will read it again.")
    return said


def keep_stand_ins(
    session: Session, cal: Calendars, team_id: str, user_id: str, now: datetime
) -> tuple[set[str], set[str]]:
    """Bring who stands in for this person in step with their absence now; queue the delegate's requests and the
    owners' notices. Returns the references now delegated and those that wait for their return."""
    absence = cal.away(team_id, user_id, now)
    approvals, sponsored = affected(session, team_id, user_id)
    delegated, waiting, rows = set(), set(), []
    for a in approvals:
        ini = a.initiative
        who = stand_in(cal, ini, absence, now)
        if who and a.stand_in_id != who:
            rows.append(notices.delegated_request(ini, a, who, absence, cal, now))
        a.stand_in_id = who
        if absence and who:
            delegated.add(ini.reference)
        elif absence:
            waiting.add(ini.reference)
            rows += told_owner(ini, a, absence, cal, now)
    for ini in sponsored:
        who = stand_in(cal, ini, absence, now)
        ini.sponsor_stand_in_id = who
        if absence and who:
            delegated.add(ini.reference)
    enqueue(session, rows, cal)
    return delegated, waiting


def told_owner(ini: Initiative, a: Approval, absence: Absence, cal: Calendars, now: datetime) -> list[dict]:
    """The owner told, once per absence, that an approver is away with nobody standing in, while the initiative is
    open (escalated, the sponsor is already deciding)."""
    if ini.status is not Status.OPEN or ini.owner_id == a.approver_id:
        return []
    return [notices.approver_away(ini, a, absence, cal.back(ini.team_id, a.approver_id, absence), cal, now)]


def registered(ini: Initiative, cal: Calendars, rows: list[dict], now: datetime) -> list[dict]:
    """A new initiative names people who are away: a delegate gets the request of an approver they stand in for; a
    request (or the sponsor's note) to someone away waits for their return, and with nobody standing in the owner
    is told. Returns `rows`, adjusted, with what is added."""
    ini.sponsor_stand_in_id = stand_in(cal, ini, cal.away(ini.team_id, ini.sponsor_id, now), now)
    added = []
    for a in ini.approvals:
        absence = cal.away(ini.team_id, a.approver_id, now)
        a.stand_in_id = stand_in(cal, ini, absence, now)
        if a.stand_in_id:
            added.append(notices.delegated_request(ini, a, a.stand_in_id, absence, cal, now))
        elif absence:
            added += told_owner(ini, a, absence, cal, now)
    for r in rows:  # their own request waits for them (unless answered by then: its buttons are spent)
        if r["recipient"][:1] in "UW" and (absence := cal.away(ini.team_id, r["recipient"], now)):
            r["next_attempt_at"] = max(r["next_attempt_at"], cal.back(ini.team_id, r["recipient"], absence))
    return rows + added


def held_for(cal: Calendars, ini: Initiative, user_id: str, at: datetime) -> datetime | None:
    """When a message to this person about this initiative may reach them: None if they are here, or someone
    stands in for them; their return if they are away with nobody standing in."""
    absence = cal.away(ini.team_id, user_id, at)
    if absence is None or stand_in(cal, ini, absence, at):
        return None
    return cal.back(ini.team_id, user_id, absence)


def welcome_back(session: Session, now: datetime, limit: int = 100) -> None:
    """People whose absence with a delegate has ended are told what was answered for them (once, in their working
    hours); their delegates stop standing in for them."""
    ended = list(
        session.scalars(
            select(Absence).where(Absence.welcomed.is_(False), Absence.ends_at <= now).order_by(Absence.id).limit(limit)
        )
    )
    if not ended:
        return
    people: dict[str, set[str]] = {}
    for absence in ended:
        people.setdefault(absence.team_id, set()).add(absence.user_id)
    cal = Calendars.load(session, people, now)
    rows = []
    for absence in ended:
        absence.welcomed = True
        if cal.away(absence.team_id, absence.user_id, now) is None:
            keep_stand_ins(session, cal, absence.team_id, absence.user_id, now)
        if absence.delegate_id and absence.ends_at > absence.starts_at:
            rows.append(notices.welcome_back(absence, _answered_for(session, absence), cal, now))
    enqueue(session, rows, cal)


def _answered_for(session: Session, absence: Absence) -> list[tuple[Initiative, str, str]]:
    """(initiative, who answered, the kind of its event) of each answer given for this person while they were away."""
    from storage.models import Event

    events = session.scalars(
        select(Event)
        .where(
            Event.team_id == absence.team_id,
            Event.at >= absence.starts_at,
            Event.at <= absence.ends_at,
            Event.actor_id.is_not(None),
            Event.initiative_id.is_not(None),
            Event.kind.in_(ANSWERS),
        )
        .order_by(Event.id)
    )
    found = []
    for e in events:
        if (e.data or {}).get("for") == absence.user_id:
            found.append((session.get(Initiative, e.initiative_id), e.actor_id, e.kind))
    return found


# What a delegate did for someone away, as notices.welcome_back words it (marked with N_: translate with t where shown).
ANSWERS = {
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "objected": N_("objected to"),
    "ratified": N_("approved (after the sponsor decided to proceed)"),
    "proceeded": N_("decided to proceed with"),
    "extended": N_("extended"),
    "withdrawn": N_("withdrew"),
}


# ---- what the wait means: who holds it -------------------------------------------------------------


def _merged(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The spans clipped to [start, end), overlapping ones merged, in order."""
    merged: list[list[datetime]] = []
    for s, e in sorted((max(s, start), min(e, end)) for s, e in spans):
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def holders(session: Session, initiatives: list[Initiative], now: datetime) -> dict[int, dict[str, float]]:
    """{initiative id: {person: business seconds of its wait they hold}} for initiatives still asking: each pending
    approver holds their wait, except the days they were away with nobody standing in (the initiative waited, but
    not on them: SPEC §3, Away) and the days their question waited on the owner, which the owner holds."""
    asking = [i for i in initiatives if i.status in ASKING and i.pending]
    if not asking:
        return {}
    cal = Calendars.of(session, asking, now)
    absent: dict[tuple[str, str], list[tuple[datetime, datetime]]] = {}
    for team_id in {i.team_id for i in asking}:
        people = {a.approver_id for i in asking if i.team_id == team_id for a in i.pending}
        since = min(a.requested_at for i in asking if i.team_id == team_id for a in i.pending)
        for absence in session.scalars(
            select(Absence).where(
                Absence.team_id == team_id,
                Absence.user_id.in_(people),
                Absence.delegate_id.is_(None),
                Absence.starts_at < now,
                Absence.ends_at > since,
            )
        ):
            absent.setdefault((team_id, absence.user_id), []).append((absence.starts_at, absence.ends_at))
    asked = _questions(session, asking, now)
    held: dict[int, dict[str, float]] = {}
    for ini in asking:
        mine = held.setdefault(ini.id, {})
        for a in ini.pending:
            week, tz = cal.week(ini.team_id, a.approver_id), cal.tz(ini.team_id, a.approver_id)
            on_owner = _merged(asked.get((ini.id, a.approver_id), []), a.requested_at, now)
            if on_owner:
                owner_week, owner_tz = cal.week(ini.team_id, ini.owner_id), cal.tz(ini.team_id, ini.owner_id)
                mine[ini.owner_id] = mine.get(ini.owner_id, 0.0) + sum(
                    owner_week.business_seconds(s, e, owner_tz) for s, e in on_owner
                )
            away = _merged(absent.get((ini.team_id, a.approver_id), []) + on_owner, a.requested_at, now)
            seconds = week.business_seconds(a.requested_at, now, tz) - sum(
                week.business_seconds(s, e, tz) for s, e in away
            )
            mine[a.approver_id] = mine.get(a.approver_id, 0.0) + max(seconds, 0.0)
    return held


def _questions(session: Session, initiatives: list[Initiative], now: datetime) -> dict[tuple[int, str], list]:
    """{(initiative id, approver): [(asked, answered or now)]}: when each approver's questions waited on the owner."""
    from storage.models import Event

    spans: dict[tuple[int, str], list] = {}
    opened: dict[tuple[int, str], datetime] = {}
    for e in session.scalars(
        select(Event)
        .where(Event.initiative_id.in_([i.id for i in initiatives]), Event.kind.in_(("question", "answered")))
        .order_by(Event.id)
    ):
        data = e.data or {}
        if e.kind == "question":
            opened.setdefault((e.initiative_id, data.get("for") or e.actor_id), e.at)
        else:
            for person in data.get("approvers", []):
                if (asked := opened.pop((e.initiative_id, person), None)) is not None:
                    spans.setdefault((e.initiative_id, person), []).append((asked, e.at))
    for key, asked in opened.items():
        spans.setdefault(key, []).append((asked, now))
    return spans
