"""The records people take away: one row per initiative and one per approval, as CSV or JSON.

The same rows serve `/greenlight export` (a file in a DM) and `python -m bot export` (stdout). Which
initiatives go in is the caller's choice, made with services/visibility."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.services.overview import waits_of
from storage.models import Event, Initiative

COLUMNS = (
    "row",
    "reference",
    "title",
    "status",
    "owner",
    "sponsor",
    "channel",
    "rule",
    "registered_at",
    "deadline",
    "extensions",
    "escalated_at",
    "sponsor_choice",
    "sponsor_choice_at",
    "proceeded_at",
    "report_due",
    "reported_at",
    "report_on_time",
    "report",
    "closed_at",
    "approver",
    "requested_at",
    "decision",
    "decided_at",
    "wait_business_hours",
    "comment",
)
SPONSOR_CHOICES = {"proceeded": "proceed", "extended": "extend", "withdrawn": "withdraw"}


def _iso(value: datetime | date | None) -> str:
    return value.isoformat() if value else ""


PAGE = 500  # initiatives read, and held, at a time


def pages(
    session: Session, team_id: str, now: datetime, *, where=None, since: date | None = None
) -> Iterator[list[dict[str, str]]]:
    """The workspace's initiatives that the SQL condition `where` admits (registered on or after `since`), each
    followed by its approvals, a page of PAGE initiatives at a time in reference order: a workspace of any size is
    exported with no more than a page of rows in memory."""
    query = select(Initiative).where(Initiative.team_id == team_id).options(selectinload(Initiative.approvals))
    if where is not None:
        query = query.where(where)
    if since is not None:
        query = query.where(Initiative.created_at >= datetime.combine(since, time.min, UTC))
    after = 0
    while inis := list(session.scalars(query.where(Initiative.number > after).order_by(Initiative.number).limit(PAGE))):
        yield _rows(session, inis, now)
        after = inis[-1].number


def _rows(session: Session, inis: list[Initiative], now: datetime) -> list[dict[str, str]]:
    waits = waits_of(session, inis, now)
    by_id = {i.id: i for i in inis}
    events = session.scalars(
        select(Event)
        .where(
            Event.initiative_id.in_(list(by_id)),
            Event.kind.in_(("proceeded", "extended", "withdrawn", "reported")),
        )
        .order_by(Event.id)
    )
    choice: dict[int, Event] = {}
    reported: dict[int, datetime] = {}
    for e in events:
        ini = by_id[e.initiative_id]
        if e.kind == "reported":
            reported[ini.id] = e.at
        elif e.actor_id == ini.sponsor_id and ini.escalated_at and e.at >= ini.escalated_at:
            choice[ini.id] = e
    out = []
    for ini in inis:
        base = {c: "" for c in COLUMNS}
        base.update(reference=ini.reference, title=ini.title, status=str(ini.status), channel=ini.channel_id)
        made = choice.get(ini.id)
        reported_at = reported.get(ini.id)
        on_time = (
            "" if not (ini.report_due and reported_at) else ("yes" if reported_at.date() <= ini.report_due else "no")
        )
        out.append(
            {
                **base,
                "row": "initiative",
                "owner": ini.owner_id,
                "sponsor": ini.sponsor_id,
                "rule": ini.rule,
                "registered_at": _iso(ini.created_at),
                "deadline": _iso(ini.deadline),
                "extensions": str(ini.extensions),
                "escalated_at": _iso(ini.escalated_at),
                "sponsor_choice": SPONSOR_CHOICES[made.kind] if made else "",
                "sponsor_choice_at": _iso(made.at) if made else "",
                "proceeded_at": _iso(ini.proceeded_at),
                "report_due": _iso(ini.report_due),
                "reported_at": _iso(reported_at),
                "report_on_time": on_time,
                "report": ini.report_text or "",
                "closed_at": _iso(ini.closed_at),
            }
        )
        for w in waits[ini.id]:
            a = w.approval
            out.append(
                {
                    **base,
                    "row": "approval",
                    "approver": a.approver_id,
                    "requested_at": _iso(a.requested_at),
                    "decision": str(a.decision),
                    "decided_at": _iso(a.decided_at),
                    "wait_business_hours": f"{w.seconds / 3600:.1f}",
                    "comment": a.comment or "",
                }
            )
    return out


def write(pages: Iterable[list[dict[str, str]]], fmt: str, out: TextIO) -> tuple[int, int]:
    """Write the rows to `out` as they come, as CSV or as the JSON array json.dumps(rows, ensure_ascii=False,
    indent=1) would make of them all; (initiatives, approvals) written."""
    counts: Counter[str] = Counter()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    if fmt == "csv":
        out.write("\ufeff")  # a spreadsheet reads the file as UTF-8 thanks to the byte-order mark
        writer.writeheader()
    else:
        out.write("[")
    for page in pages:
        for row in page:
            if fmt == "csv":
                # A cell starting with = + - @ would be run as a formula by a spreadsheet: quote it as text.
                writer.writerow({k: ("'" + v if v[:1] in ("=", "+", "-", "@") else v) for k, v in row.items()})
            else:
                item = json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n ")
                out.write((",\n " if counts else "\n ") + item)
            counts[row["row"]] += 1
    if fmt == "json":
        out.write("\n]" if counts else "]")
    return counts["initiative"], counts["approval"]
