"""Recording outgoing messages in the same transaction as the change that causes them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.db import insert_ignore
from storage.models import OutboxMessage


def enqueue(session: Session, rows: list[dict]) -> None:
    """Insert messages; one whose (team, key) already exists is left alone, so it is created once."""
    insert_ignore(session, OutboxMessage, rows, ["team_id", "key"])


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
