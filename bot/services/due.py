"""Due work: a kind of reminder is a due column plus a step; one batch loop runs them all.

The loop finds the rows whose column has come (through its index, locked with SKIP LOCKED so
that several sweeps share the work), loads the calendars the batch needs once, runs the step
on each row, and writes the batch's events and messages in one statement each. A step changes
the row (at least its due column, so the row is not due again) and returns the outbox rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import metrics
from bot.services.installs import still_installed
from bot.services.outbox import enqueue
from bot.services.workspaces import Calendars
from storage.db import insert_new, update_many
from storage.enums import Status
from storage.models import Event, Initiative


@dataclass(frozen=True)
class DueWork:
    """One kind of due work."""

    name: str
    column: Any  # the indexed due column, e.g. Initiative.escalate_at or Approval.next_nudge_at
    status: Status  # the initiative status in which it fires
    step: Callable[[Session, Any, Calendars, datetime], list[dict]]
    batch: int = 200
    # Columns the step changes, written for the whole batch in one statement (for large batches of
    # rows whose changes differ, which the ORM would write one by one).
    written: tuple[str, ...] = ()
    # What the batch's messages become before they are written (reminders: one DM per person), if anything.
    combine: Callable[[Session, list[dict], Calendars, datetime], list[dict]] | None = None
    # Rows due later that join the batch's messages (reminders: the same person's, later that working day), locked;
    # the step runs on each with `joining=True`.
    joins: Callable[[Session, list, list[dict], Calendars, datetime], list] | None = None


def run(session: Session, now: datetime, work: DueWork) -> bool:
    """Do one batch of `work` due at `now`; returns whether the batch was full (more may be due)."""
    model = work.column.class_
    query = select(model).where(work.column <= now).order_by(work.column).limit(work.batch)
    # An uninstalled workspace waits, untouched, for its deletion (or a re-install).
    if model is Initiative:
        query = query.where(Initiative.status == work.status, still_installed(Initiative.team_id)).with_for_update(
            skip_locked=True
        )
    else:  # a row of an initiative (an approval): loaded with its initiative and that one's approvals
        query = (
            query.join(Initiative)
            .where(Initiative.status == work.status, still_installed(Initiative.team_id))
            .options(selectinload(model.initiative).selectinload(Initiative.approvals))
            .with_for_update(of=model, skip_locked=True)
        )
    rows = list(session.scalars(query))
    if not rows:
        return False
    metrics.due_found(work.name, len(rows))
    initiatives = [row if model is Initiative else row.initiative for row in rows]
    cal = Calendars.of(session, list({ini.id: ini for ini in initiatives}.values()), now)
    messages = [m for row in rows for m in work.step(session, row, cal, now)]
    if work.joins and messages:
        with session.no_autoflush:  # the batch's changes are written below, in one statement
            joining = work.joins(session, rows, messages, cal, now)
            if joining:
                initiatives += [row.initiative for row in joining]
                cal = Calendars.of(session, list({ini.id: ini for ini in initiatives}.values()), now)
                messages += [m for row in joining for m in work.step(session, row, cal, now, joining=True)]
                rows += joining
    if work.combine:
        with session.no_autoflush:  # the batch's rows are written below in one statement, not flushed one by one
            messages = work.combine(session, messages, cal, now)
    if work.written:
        with session.no_autoflush:  # the batch's events are inserted below, in one statement, not flushed one by one
            update_many(session, rows, work.written)
    insert_new(session, Event)
    enqueue(session, messages, cal)
    return len(rows) == work.batch
