"""Read-only views of initiatives: waits, the story behind `show`, `list` and `mine`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.calendar import describe_wait
from bot.services.visibility import sees_question
from bot.services.workspaces import Calendars, workspace
from storage.enums import ACTIVE, Decision, Status
from storage.models import Approval, Event, Initiative



@dataclass(frozen=True)
class Wait:
    """How long one approver has kept (or kept) an initiative waiting."""

    approval: Approval
    seconds: float

    @property
    def text(self) -> str:
        return describe_wait(self.seconds)

    @property
    def days(self) -> int:
        return int(self.seconds // 86400)


@dataclass(frozen=True)
class Story:
    initiative: Initiative
    waits: list[Wait]
    events: list[Event]  # oldest first
    timezone: str
    viewer_id: str = ""  # who reads it: the text of a question is theirs only if they asked, own or sponsor it

    def hides_text(self, event: Event) -> bool:
        """Whether the event's text is not for this reader (a question between others)."""
        return event.kind == "question" and not sees_question(self.initiative, event.actor_id, self.viewer_id)


def waited_until(ini: Initiative, a: Approval, now: datetime) -> datetime:
    """A wait ends with the answer, or when the initiative stopped waiting (proceeded or closed)."""
    return a.decided_at or ini.proceeded_at or ini.closed_at or now


def waits_of(session: Session, initiatives: list[Initiative], now: datetime, *, pending_only: bool = False,
             cal: Calendars | None = None) -> dict[int, list[Wait]]:
    """Each approval's wait in business time, in the approver's own time zone (one query per workspace,
    none when the batch's calendars are given)."""
    cal = cal or Calendars.of(session, initiatives, now)
    result = {}
    for ini in initiatives:
        week = cal.week(ini.team_id)
        approvals = ini.pending if pending_only else ini.approvals
        result[ini.id] = [Wait(a, week.business_seconds(a.requested_at, waited_until(ini, a, now),
                                                        cal.tz(ini.team_id, a.approver_id))) for a in approvals]
    return result


def story(session: Session, ini: Initiative, now: datetime, viewer_id: str = "", before: int | None = None) -> Story:
    """Everything `/greenlight show` tells: the waits and the event log (only events before `before`, if given)."""
    query = select(Event).where(Event.initiative_id == ini.id).order_by(Event.id)
    if before is not None:
        query = query.where(Event.id < before)
    ws = workspace(session, ini.team_id, now=now)
    return Story(ini, waits_of(session, [ini], now)[ini.id], list(session.scalars(query)), ws.timezone, viewer_id)


def longest_wait(waits: list[Wait]) -> float:
    return max((w.seconds for w in waits), default=0.0)


def active(session: Session, team_id: str, now: datetime) -> list[tuple[Initiative, list[Wait]]]:
    """Initiatives not yet closed, each with its pending waits, longest wait first."""
    inis = list(session.scalars(select(Initiative).where(Initiative.team_id == team_id, Initiative.status.in_(ACTIVE))))
    waits = waits_of(session, inis, now, pending_only=True)
    rows = [(i, waits[i.id]) for i in inis]
    rows.sort(key=lambda r: (r[0].status is Status.PROCEEDING, -longest_wait(r[1]), r[0].number))
    return rows


def active_channels(session: Session, team_id: str) -> set[str]:
    """The channels of initiatives not yet closed (whose membership decides who sees them in `list`)."""
    return set(session.scalars(select(Initiative.channel_id).where(
        Initiative.team_id == team_id, Initiative.status.in_(ACTIVE)).distinct()))


@dataclass(frozen=True)
class Mine:
    waiting_on_me: list[tuple[Initiative, Wait]]
    owned: list[tuple[Initiative, list[Wait]]]
    sponsored: list[tuple[Initiative, list[Wait]]]


def mine(session: Session, team_id: str, user_id: str, now: datetime) -> Mine:
    """What waits on this person, what they own and what they sponsor (not yet closed)."""
    inis = list(session.scalars(
        select(Initiative).outerjoin(Approval).where(
            Initiative.team_id == team_id, Initiative.status.in_(ACTIVE),
            or_(Initiative.owner_id == user_id, Initiative.sponsor_id == user_id,
                (Approval.approver_id == user_id) & (Approval.decision == Decision.PENDING)),
        ).distinct()
    ))
    waits = waits_of(session, inis, now, pending_only=True)
    by_wait = sorted(inis, key=lambda i: -longest_wait(waits[i.id]))
    return Mine(
        waiting_on_me=[(i, w) for i in by_wait if i.status.asking
                       for w in waits[i.id] if w.approval.approver_id == user_id],
        owned=[(i, waits[i.id]) for i in by_wait if i.owner_id == user_id],
        sponsored=[(i, waits[i.id]) for i in by_wait if i.sponsor_id == user_id],
    )
