"""Recording outgoing messages in the same transaction as the change that causes them: each held for its
recipient's working time, and for someone with `digest on`, combined into their one DM of the working day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot import i18n, keys
from bot.blocks.digest import digest
from bot.services import groups
from bot.services.workspaces import Calendars, reader_language
from bot.text import is_group
from storage.db import insert_ignore
from storage.models import OutboxMessage, Person, Workspace


def enqueue(session: Session, rows: list[dict], cal: Calendars | None = None) -> None:
    """Insert messages; one whose (team, key) already exists is left alone, so it is created once.

    Every new message is proactive (answers to what someone just did are ephemeral replies or updates of
    the message they clicked, which never pass through here), so each waits for its recipient's working
    time (SPEC §3, quiet hours), and a DM to someone with `digest on` joins their one DM of the day. `cal`: the
    batch's calendars when the caller has them loaded."""
    if rows:
        rows = for_groups(session, rows, cal)
        cal = in_quiet_hours(session, rows, cal)
        rows = one_dm_a_day(session, rows, cal)
    insert_ignore(session, OutboxMessage, rows, ["team_id", "key"])


REMINDER_KEYS = ("nudge:", "lastcall:", "manual:", "reminders:")


def for_groups(session: Session, rows: list[dict], cal: Calendars | None = None) -> list[dict]:
    """A message to a user group (an approver slot) goes to each member, under keys of their own (an update, to
    each member's copy); a reminder only to the members at work when it is due (else to those at work first)."""
    if not any(is_group(r["recipient"]) for r in rows):
        return rows
    out = []
    for r in rows:
        render = r.pop("render", None)
        if not is_group(r["recipient"]):
            out.append(r)
            continue
        people = groups.members(session, r["team_id"], r["recipient"])
        known = cal if cal and set(people) <= set(cal.zones.get(r["team_id"], {})) else None
        if people and (render or r["key"].startswith(REMINDER_KEYS)):
            known = known or Calendars.load(session, {r["team_id"]: set(people)}, r["created_at"])
        if people and r["key"].startswith(REMINDER_KEYS) and not r.get("target_key"):
            at = {p: known.delivery_moment(r["team_id"], p, max(r["created_at"], r["next_attempt_at"])) for p in people}
            people = [p for p in people if at[p] == min(at.values())]
        target = r.get("target_key")
        for p in people:
            copy = {**r, "recipient": p, "key": f"{r['key']}:{p}", "target_key": f"{target}:{p}" if target else None}
            if render:  # each member reads it in their own language
                with i18n.speaking(known.lang(r["team_id"], p)):
                    copy["payload"] = render()
            out.append(copy)
    return out


def in_quiet_hours(session: Session, rows: list[dict], cal: Calendars | None = None) -> Calendars | None:
    """Hold each new post until its recipient's next working moment; updates of sent messages go at once
    (they notify nobody). Returns the calendars of the posts' recipients."""
    posts = [r for r in rows if r["method"] == "chat.postMessage" and not r.get("target_key")]
    if not posts:
        return cal
    people: dict[str, set[str]] = {}
    for r in posts:
        people.setdefault(r["team_id"], set()).update(u for u in r["recipient"].split(",") if u[:1] in "UW")
    if cal is None or any(
        team not in cal.spaces or not users <= set(cal.zones[team]) for team, users in people.items()
    ):
        cal = Calendars.load(session, people, rows[0]["created_at"])
    for r in posts:
        r["next_attempt_at"] = max(
            r["next_attempt_at"], cal.delivery_moment(r["team_id"], r["recipient"], r["created_at"])
        )
    return cal


# ---- digest on: at most one Greenlight DM per working day (SPEC §3) ------------------------------------------
#
# A DM to someone with `digest on` goes as it is if it is the first of its working day. On a day that already had
# one it waits for their next working day; there, like any DM held for the same day, it is combined with the others
# into one DM (a row `digest:…`, rebuilt whenever one joins or leaves it) while none of them has gone out. Each
# message combined keeps its own row, key and payload with the status "combined" and `target_key` naming the
# digest, so that it is still created once and can still be withdrawn when its buttons are spent.

COMBINED_STATUS = "combined"


def _is_dm(r: dict) -> bool:
    """A new post to one person (not a channel, not a conversation of several, not a reply or an update)."""
    to = r["recipient"]
    return r["method"] == "chat.postMessage" and not r.get("target_key") and to[:1] in "UW" and "," not in to


def one_dm_a_day(session: Session, rows: list[dict], cal: Calendars | None) -> list[dict]:
    """Place each DM to someone with `digest on` in their one DM of its working day; returns the other rows."""
    theirs = [
        r
        for r in rows
        if _is_dm(r) and cal is not None and getattr(cal.person(r["team_id"], r["recipient"]), "digest", False)
    ]
    for r in theirs:
        _into_their_day(session, r, cal)
    return [r for r in rows if not any(r is t for t in theirs)]


def _day_of(cal: Calendars, team_id: str, user_id: str, at: datetime) -> tuple[datetime, datetime]:
    """The start and end of the person's local day of `at`."""
    week, tz = cal.week(team_id, user_id), cal.tz(team_id, user_id)
    day = at.astimezone(tz).date()
    return week.start_of_day(day, tz), week.end_of_day(day, tz)


def dm_went_out(session: Session, cal: Calendars, team_id: str, user_id: str, at: datetime, now: datetime) -> bool:
    """Whether a DM reached this person (or is being sent to them) on their local day of `at`."""
    start, end = _day_of(cal, team_id, user_id, at)
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.recipient == user_id,
                OutboxMessage.method == "chat.postMessage",
                OutboxMessage.target_key.is_(None),
                or_(
                    and_(OutboxMessage.status == "sent", OutboxMessage.sent_at >= start, OutboxMessage.sent_at < end),
                    and_(  # being sent, or tried already (Slack may have it)
                        OutboxMessage.status == "pending",
                        or_(OutboxMessage.claimed_until >= now, OutboxMessage.channel.is_not(None)),
                        OutboxMessage.next_attempt_at >= start,
                        OutboxMessage.next_attempt_at < end,
                    ),
                ),
            )
            .limit(1)
        )
        is not None
    )


def arrival(session: Session, cal: Calendars, team_id: str, user_id: str, now: datetime) -> datetime:
    """When a DM written now reaches this person: in their working time, and with `digest on` not on a day that
    already had one (for texts that name that moment)."""
    return _their_day(session, cal, team_id, user_id, cal.working_moment(team_id, user_id, now), now)


def _their_day(session: Session, cal: Calendars, team_id: str, user_id: str, at: datetime, now: datetime) -> datetime:
    """`at`, or with `digest on` the start of their next working day if a DM already reached them on `at`'s."""
    person = cal.person(team_id, user_id)
    if person is None or not person.digest or not dm_went_out(session, cal, team_id, user_id, at, now):
        return at
    week, tz = cal.week(team_id, user_id), cal.tz(team_id, user_id)
    return week.next_working_moment(week.start_of_day(week.next_business_day(at.astimezone(tz).date()), tz), tz)


def _into_their_day(session: Session, r: dict, cal: Calendars) -> None:
    team_id, person, now = r["team_id"], r["recipient"], r["created_at"]
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.team_id == team_id, OutboxMessage.key == r["key"])):
        return  # created already: once
    r["next_attempt_at"] = _their_day(session, cal, team_id, person, r["next_attempt_at"], now)
    start, end = _day_of(cal, team_id, person, r["next_attempt_at"])
    held = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.recipient == person,
            OutboxMessage.status == "pending",
            OutboxMessage.method == "chat.postMessage",
            OutboxMessage.target_key.is_(None),
            OutboxMessage.next_attempt_at >= start,
            OutboxMessage.next_attempt_at < end,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            OutboxMessage.channel.is_(None),  # never tried: it cannot have reached Slack
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update()
    ).first()
    if held is None:  # the first of its day
        insert_ignore(session, OutboxMessage, [r], ["team_id", "key"])
        return
    if held.key.startswith(DIGEST):
        day_dm = held
    else:  # the second of the day: the first becomes part of the day's DM
        local_day = held.next_attempt_at.astimezone(cal.tz(team_id, person)).date()
        day_dm = OutboxMessage(
            **message(
                team_id,
                keys.day_digest(person, local_day, held.key),
                person,
                held.payload,
                now=now,
                initiative_id=held.initiative_id,
                not_before=held.next_attempt_at,
            )
        )
        session.add(day_dm)
        held.status, held.target_key = COMBINED_STATUS, day_dm.key
    insert_ignore(
        session, OutboxMessage, [{**r, "status": COMBINED_STATUS, "target_key": day_dm.key}], ["team_id", "key"]
    )
    day_dm.next_attempt_at = max(day_dm.next_attempt_at, r["next_attempt_at"])
    _rebuild(session, day_dm, cal.lang(day_dm.team_id, day_dm.recipient))


def _rebuild(session: Session, day_dm: OutboxMessage, lang: str | None = None) -> None:
    """The day's DM says what is combined into it now, in its reader's language (`lang`, else read from their people
    row); with nothing left, it is not sent."""
    session.flush()
    parts = list(
        session.scalars(
            select(OutboxMessage.payload)
            .where(
                OutboxMessage.team_id == day_dm.team_id,
                OutboxMessage.target_key == day_dm.key,
                OutboxMessage.status == COMBINED_STATUS,
            )
            .order_by(OutboxMessage.id)
        )
    )
    if parts:
        if lang is None:  # a withdrawal, rare: the rows are usually in the session already
            person = session.get(Person, (day_dm.team_id, day_dm.recipient))
            lang = reader_language(session.get(Workspace, day_dm.team_id), person)
        with i18n.speaking(lang):
            day_dm.payload = digest(parts)
    else:
        day_dm.status, day_dm.error = "skipped", "everything in it was withdrawn before it was sent"


def message(
    team_id: str,
    key: str,
    recipient: str,
    payload: dict,
    *,
    now: datetime,
    initiative_id: int | None = None,
    not_before: datetime | None = None,
    method: str = "chat.postMessage",
    target_key: str | None = None,
) -> dict:
    """One outbox row, ready for enqueue()."""
    return dict(
        team_id=team_id,
        key=key,
        recipient=recipient,
        payload=payload,
        initiative_id=initiative_id,
        method=method,
        target_key=target_key,
        status="pending",
        attempts=0,
        next_attempt_at=max(now, not_before) if not_before else now,
        created_at=now,
    )


# Messages whose buttons are spent once their recipient answered or the initiative no longer asks them
# (SPEC §4: spent buttons disappear from every earlier message). The sign-off request and the sponsor's first
# question are updated by their own notices (settled_requests, sponsor_question_settled); they are listed here
# so that one still held for its recipient's day is never sent.
APPROVER_BUTTONS = ("request:", "nudge:", "lastcall:", "manual:", "extended:", "delegated:")
SPONSOR_BUTTONS = ("escalation:", "sponsor-ask:", "further:")  # further: to the escalation contact
SETTLED_ELSEWHERE = ("request:", "escalation:")
DIGEST = "digest:"  # the DMs of one person's day in one (keys.day_digest)
COMBINED = ("reminders:", DIGEST)  # messages that hold several initiatives' buttons (keys.reminders, keys.day_digest)


def _button_values(payload: dict) -> set[str]:
    return {
        el.get("value")
        for b in payload.get("blocks") or []
        if b.get("type") == "actions"
        for el in b["elements"]
        if el.get("type") == "button"
    }


def _without(payload: dict, initiative_id: int) -> dict:
    """A message of several initiatives without this one's part: its buttons and the section they answer."""
    blocks, value = payload.get("blocks") or [], str(initiative_id)
    gone = {
        n - d
        for n, b in enumerate(blocks)
        if b.get("type") == "actions" and value in {el.get("value") for el in b["elements"]}
        for d in (0, 1)
    }
    return {**payload, "blocks": [b for n, b in enumerate(blocks) if n not in gone]}


def spent_buttons(session: Session, ini, people: set[str], now: datetime) -> list[tuple[str, str, dict | None]]:
    """The earlier messages with buttons to these people about this initiative: (recipient, key, and for a message
    of several initiatives its payload) of each one sent (or being sent), to be updated; those still held for the
    recipient's working hours or day are withdrawn here."""
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.key,
            OutboxMessage.status,
            OutboxMessage.claimed_until,
            OutboxMessage.payload,
            OutboxMessage.target_key,
        ).where(
            OutboxMessage.team_id == ini.team_id,
            OutboxMessage.recipient.in_(people),
            OutboxMessage.method == "chat.postMessage",
            (
                (OutboxMessage.initiative_id == ini.id)
                & or_(*(OutboxMessage.key.like(p + "%") for p in APPROVER_BUTTONS + SPONSOR_BUTTONS))
            )
            | or_(*(OutboxMessage.key.like(p + "%") for p in COMBINED)),
        )
    ).all()
    targets, held, days = [], [], set()
    for id_, recipient, key, status, claimed_until, payload, day_dm in rows:
        if key.startswith(COMBINED):
            # Reminders of several initiatives in one DM lose all their buttons once one is spent; the App
            # Home keeps the others at hand. One still waiting in a day's DM loses this initiative's part.
            if str(ini.id) not in _button_values(payload):
                continue
            if status == "sent":
                targets.append((recipient, key, payload))
            elif status == COMBINED_STATUS:
                rest = _without(payload, ini.id)
                if _button_values(rest):
                    session.execute(update(OutboxMessage).where(OutboxMessage.id == id_).values(payload=rest))
                else:  # nothing else in it waits on them
                    held.append(id_)
                days.add(day_dm)
            continue
        sponsoring = recipient in (ini.sponsor_id, ini.sponsor_stand_in_id) or key.startswith("further:")
        kinds = SPONSOR_BUTTONS if sponsoring else APPROVER_BUTTONS
        if not key.startswith(kinds):
            continue
        if status == "pending" and (claimed_until is None or claimed_until < now):
            held.append(id_)
        elif status == COMBINED_STATUS:
            held.append(id_)
            days.add(day_dm)
        elif status in ("sent", "pending") and not key.startswith(SETTLED_ELSEWHERE):
            targets.append((recipient, key, None))
    _withdraw(session, ini.team_id, held, days, "its buttons were spent before it was sent", now)
    return targets


def withdraw_unsent(session: Session, team_id: str, prefixes: list[str], now: datetime) -> None:
    """Messages whose key starts with one of these prefixes and that are still held (not sent, not being sent, or
    waiting in a day's DM) are never sent: what they say is out of date."""
    if not prefixes:
        return
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.claimed_until, OutboxMessage.target_key).where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.status.in_(("pending", COMBINED_STATUS)),
            or_(*(OutboxMessage.key.startswith(p, autoescape=True) for p in prefixes)),
        )
    ).all()
    unsent = [r for r in rows if r.status == COMBINED_STATUS or r.claimed_until is None or r.claimed_until < now]
    days = {r.target_key for r in unsent if r.status == COMBINED_STATUS}
    _withdraw(session, team_id, [r.id for r in unsent], days, "out of date before it was sent", now)


def _withdraw(session: Session, team_id: str, ids: list[int], days: set[str], why: str, now: datetime) -> None:
    """These unsent messages are never sent; the day's DMs they were part of (`days`, keys) say what is left."""
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status.in_(("pending", COMBINED_STATUS)))
            .values(status="skipped", error=why),
            execution_options={"synchronize_session": False},
        )
    if days:
        for day_dm in session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.team_id == team_id, OutboxMessage.key.in_(days), OutboxMessage.status == "pending")
            .with_for_update()
        ):
            if day_dm.claimed_until is None or day_dm.claimed_until < now:
                session.refresh(day_dm)
                _rebuild(session, day_dm)
