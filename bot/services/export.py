"""The records people take away: one row per initiative and one per approval, as CSV or JSON.

The same rows serve `/greenlight export` (a file in a DM) and `python -m bot export` (stdout). Which
initiatives go in is the caller's choice, made with services/visibility."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def rows(
    session: Session,
    team_id: str,
    now: datetime,
    *,
    only: Callable[[Initiative], bool] | None = None,
    since: date | None = None,
) -> list[dict[str, str]]:
    """Every initiative of the workspace that `only` admits (registered on or after `since`), then its approvals."""
    query = select(Initiative).where(Initiative.team_id == team_id).order_by(Initiative.number)
    inis = [
        i
        for i in session.scalars(query)
        if (only is None or only(i)) and (since is None or i.created_at.date() >= since)
    ]
    if not inis:
        return []
    waits = waits_of(session, inis, now)
    events = list(
        session.scalars(
            select(Event)
            .where(
                Event.initiative_id.in_([i.id for i in inis]),
                Event.kind.in_(("proceeded", "extended", "withdrawn", "reported")),
            )
            .order_by(Event.id)
        )
    )
    choice: dict[int, Event] = {}
    reported: dict[int, datetime] = {}
    for e in events:
        ini = next(i for i in inis if i.id == e.initiative_id)
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


def as_csv(table: list[dict[str, str]]) -> str:
    """A CSV file with a header row; spreadsheets read it as UTF-8 thanks to the byte-order mark."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        # A cell starting with = + - @ would be run as a formula by a spreadsheet: quote it as text.
        writer.writerow({k: ("'" + v if v[:1] in ("=", "+", "-", "@") else v) for k, v in row.items()})
    return "\ufeff" + buffer.getvalue()


def as_json(table: list[dict[str, str]]) -> str:
    """The same rows as a JSON array of objects."""
    return json.dumps(table, ensure_ascii=False, indent=1)


def render(table: list[dict[str, str]], fmt: str) -> str:
    return as_csv(table) if fmt == "csv" else as_json(table)
