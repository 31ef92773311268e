"""Recording outgoing messages in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.services.workspaces import Calendars
from storage.db import insert_ignore
from storage.models import OutboxMessage


def enqueue(session: Session, rows: list[dict], cal: Calendars | None = None) -> None:
    """Insert messages; one whose (team, key) already exists is left alone, so it is created once.

    Every new message is proactive (answers to what someone just did are ephemeral replies or updates of
    the message they clicked, which never pass through here), so each waits for its recipient's working
    time (SPEC §3, quiet hours). `cal`: the batch's calendars when the caller has them loaded."""
    if rows:
        in_quiet_hours(session, rows, cal)
    insert_ignore(session, OutboxMessage, rows, ["team_id", "key"])


def in_quiet_hours(session: Session, rows: list[dict], cal: Calendars | None = None) -> None:
    """Hold each new post until its recipient's next working moment; updates of sent messages go at once
    (they notify nobody)."""
    posts = [r for r in rows if r["method"] == "chat.postMessage" and not r.get("target_key")]
    if not posts:
        return
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
# so that one still held by quiet hours is never sent.
APPROVER_BUTTONS = ("request:", "nudge:", "lastcall:", "manual:", "extended:")
SPONSOR_BUTTONS = ("escalation:", "sponsor-ask:")
SETTLED_ELSEWHERE = ("request:", "escalation:")
COMBINED = "reminders:"  # several reminders to one person in one DM (keys.reminders)


def _button_values(payload: dict) -> set[str]:
    return {el.get("value") for b in payload.get("blocks") or [] if b.get("type") == "actions" for el in b["elements"]}


def spent_buttons(session: Session, ini, people: set[str], now: datetime) -> list[tuple[str, str]]:
    """The earlier messages with buttons to these people about this initiative: (recipient, key) of each one sent
    (or being sent), to be updated; those still held for the recipient's working hours are withdrawn here."""
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient,
            OutboxMessage.key,
            OutboxMessage.status,
            OutboxMessage.claimed_until,
            OutboxMessage.payload,
        ).where(
            OutboxMessage.team_id == ini.team_id,
            OutboxMessage.recipient.in_(people),
            OutboxMessage.method == "chat.postMessage",
            (
                (OutboxMessage.initiative_id == ini.id)
                & or_(*(OutboxMessage.key.like(p + "%") for p in APPROVER_BUTTONS + SPONSOR_BUTTONS))
            )
            | OutboxMessage.key.like(COMBINED + "%"),
        )
    ).all()
    targets, held = [], []
    for id_, recipient, key, status, claimed_until, payload in rows:
        if key.startswith(COMBINED):
            # Reminders of several initiatives in one DM lose all their buttons once one is spent; the App
            # Home keeps the others at hand.
            if status == "sent" and str(ini.id) in _button_values(payload):
                targets.append((recipient, key))
            continue
        kinds = SPONSOR_BUTTONS if recipient == ini.sponsor_id else APPROVER_BUTTONS
        if not key.startswith(kinds):
            continue
        if status == "pending" and (claimed_until is None or claimed_until < now):
            held.append(id_)
        elif status in ("sent", "pending") and not key.startswith(SETTLED_ELSEWHERE):
            targets.append((recipient, key))
    if held:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(held), OutboxMessage.status == "pending")
            .values(status="skipped", error="its buttons were spent before it was sent"),
            execution_options={"synchronize_session": False},
        )
    return targets


def withdraw_unsent(session: Session, team_id: str, prefixes: list[str], now: datetime) -> None:
    """Messages whose key starts with one of these prefixes and that are still held (not sent, not being sent) are
    never sent: what they say is out of date."""
    if not prefixes:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            or_(*(OutboxMessage.key.startswith(p, autoescape=True) for p in prefixes)),
        )
        .values(status="skipped", error="out of date before it was sent"),
        execution_options={"synchronize_session": False},
    )
