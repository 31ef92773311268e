"""Retention and erasure: closed initiatives deleted after the workspace's `retention`, and a person forgotten.

Both keep a record that they happened (an event with counts, no personal data)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import date, datetime

from sqlalchemy import JSON, String, Text, delete, select
from sqlalchemy.orm import Session

from storage.enums import CLOSED
from storage.models import (
    Absence,
    Approval,
    Event,
    GroupMember,
    Initiative,
    OutboxMessage,
    Person,
    SlackRequest,
    Template,
    Workspace,
)

BATCH = 50  # initiatives deleted per transaction: short write locks, however much is due


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day if it is shorter)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - date(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last))


def purge_batch(session: Session, now: datetime) -> bool:
    """Delete up to BATCH initiatives closed longer ago than their workspace's retention, with their approvals,
    events and outbox rows; returns whether a full batch went (more may be due)."""
    full = False
    for ws in session.scalars(select(Workspace).where(Workspace.retention_months.is_not(None))):
        cutoff = months_before(now, ws.retention_months)
        ids = list(
            session.scalars(
                select(Initiative.id)
                .where(Initiative.team_id == ws.team_id, Initiative.status.in_(CLOSED), Initiative.closed_at < cutoff)
                .order_by(Initiative.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            continue
        counts = {"initiatives": len(ids)}
        for name, model in (("messages", OutboxMessage), ("events", Event), ("approvals", Approval)):
            counts[name] = session.execute(delete(model).where(model.initiative_id.in_(ids))).rowcount
        session.execute(delete(Initiative).where(Initiative.id.in_(ids)))
        session.add(
            Event(
                team_id=ws.team_id,
                initiative_id=None,
                actor_id=None,
                kind="retention_deleted",
                data={**counts, "months": ws.retention_months, "closed_before": cutoff.date().isoformat()},
                at=now,
            )
        )
        full = full or len(ids) == BATCH
    return full


# ---- erasure ---------------------------------------------------------------------------------------

# every table that may hold a person's id
ERASED = (Initiative, Approval, Event, OutboxMessage, SlackRequest, Absence, Template)


def pseudonym(user_id: str, secret: str = "") -> str:
    """A stable stand-in for a person's id: the same person always gets the same one (keyed by the operator's
    secret, so it cannot be recomputed from a list of ids without it)."""
    digest = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:12]
    return f"forgotten-{digest}"


def forget(session: Session, user_id: str, now: datetime, secret: str = "") -> dict[str, int]:
    """Replace the person's id by their pseudonym in every stored row (ids, texts, message payloads, templates) and
    delete their cached profile and user group memberships; returns how many rows changed per workspace. Nothing
    else changes."""
    alias = pseudonym(user_id, secret)
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(user_id)}(?![A-Za-z0-9])")
    changed: dict[str, int] = {}
    for model in ERASED:
        columns = [c for c in model.__table__.columns if isinstance(c.type, (String, Text, JSON))]
        for row in session.scalars(select(model)):  # an operator's rare command: every row is read once
            touched = False
            for column in columns:
                value = getattr(row, column.key)
                if isinstance(value, str) and pattern.search(value):
                    setattr(row, column.key, pattern.sub(alias, value))
                    touched = True
                elif isinstance(value, (dict, list)) and pattern.search(text := json.dumps(value)):
                    setattr(row, column.key, json.loads(pattern.sub(alias, text)))
                    touched = True
            if touched:
                team_id = row.initiative.team_id if model is Approval else row.team_id
                changed[team_id] = changed.get(team_id, 0) + 1
    for person in session.scalars(select(Person).where(Person.user_id == user_id)):
        changed[person.team_id] = changed.get(person.team_id, 0) + 1
        session.delete(person)
    # The escalation contact is a setting, not a record: a forgotten person is nobody's contact any more (the admins
    # name another; until then a silent sponsor is only asked again).
    for ws in session.scalars(select(Workspace).where(Workspace.escalate_to == user_id)):
        changed[ws.team_id] = changed.get(ws.team_id, 0) + 1
        ws.escalate_to = None
    for member in session.scalars(select(GroupMember).where(GroupMember.user_id == user_id)):  # a cache, as above
        changed[member.team_id] = changed.get(member.team_id, 0) + 1
        session.delete(member)
    for team_id, rows in changed.items():
        session.add(
            Event(
                team_id=team_id,
                initiative_id=None,
                actor_id=None,
                kind="user_forgotten",
                data={"pseudonym": alias, "rows": rows},
                at=now,
            )
        )
    return changed
