"""Recording outgoing messages in the same transaction as the change that causes them."""
from __future__ import annotations

from datetime import datetime

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
    if cal is None or any(team not in cal.spaces or not users <= set(cal.zones[team]) for team, users in people.items()):
        cal = Calendars.load(session, people, rows[0]["created_at"])
    for r in posts:
        r["next_attempt_at"] = max(r["next_attempt_at"], cal.delivery_moment(r["team_id"], r["recipient"], r["created_at"]))


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
