"""Resubmission: after a rejection the owner starts a new round with what changed and a new deadline.

Approvals of earlier rounds stand unless the owner asks for a fresh start; whoever rejected or had not
answered is asked again, stage by stage as at registration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import i18n, notices, stages
from bot.blocks import initiatives as msg
from bot.i18n import t
from bot.parsing import Due
from bot.services import Refusal
from bot.services.initiatives import deadline_problem, resolve_deadline
from bot.services.lifecycle import move
from bot.services.outbox import enqueue
from bot.services.workspaces import Calendars, workspace
from bot.text import mention
from storage.enums import Decision, Status
from storage.models import Initiative

KEPT = (Decision.APPROVED, Decision.SKIPPED)  # answers a new round keeps unless it starts fresh


def resubmittable(ini: Initiative, user_id: str) -> None:
    """Refuse unless this person may resubmit this initiative now."""
    if user_id != ini.owner_id:
        raise Refusal(
            t(
                "Only the owner of {reference}, {owner}, can resubmit it.",
                reference=ini.reference,
                owner=mention(ini.owner_id),
            )
        )
    if ini.status is not Status.REJECTED:
        raise Refusal(
            t(
                "{reference} is {status}; only a rejected initiative can be resubmitted.",
                reference=ini.reference,
                status=t(msg.STATUS_LABEL[ini.status]),
            )
        )


def resubmit(
    session: Session, ini: Initiative, user_id: str, changed: str, due: Due | None, fresh: bool, now: datetime
) -> str:
    """A new round: a new deadline, earlier approvals kept (unless `fresh`), the others asked again with what changed."""
    resubmittable(ini, user_id)
    if not changed.strip():
        raise Refusal(
            t("Say what changed: {command}.", command=f"`/greenlight resubmit {ini.reference} <what changed>`")
        )
    ws = workspace(session, ini.team_id, now=now)
    deadline = resolve_deadline(ws, due, now)
    if problem := deadline_problem(ws, deadline, now):
        raise Refusal(
            t(
                "{problem} Try {command}.",
                problem=problem,
                command=f"`/greenlight resubmit {ini.reference} {changed} in 10 days`",
            )
        )
    ini.round += 1
    ini.deadline, ini.closed_at, ini.escalated_at = deadline, None, None
    ini.sponsor_asks, ini.last_manual_nudge_on = 0, None
    for a in ini.approvals:
        if fresh or a.decision not in KEPT:
            a.decision, a.requested_at, a.decided_at, a.comment = Decision.QUEUED, None, None, None
        a.nudges_sent, a.last_call_sent, a.snoozed_until, a.next_nudge_at = 0, False, None, None
    stage = next((n for n in range(stages.count(ini)) if not stages.complete(ini, n)), 0)
    asked = [a for a in stages.members(ini, stage) if a.decision == Decision.QUEUED]
    for a in asked:
        a.decision, a.requested_at = Decision.PENDING, now
    cal = Calendars.of(session, [ini], now)
    move(
        session,
        ini,
        Status.OPEN,
        now,
        cal,
        actor=user_id,
        event="resubmitted",
        round=ini.round,
        text=changed,
        fresh=fresh,
        deadline=deadline.isoformat(),
    )
    enqueue(session, notices.resubmitted(ini, asked, changed, fresh, cal, now), cal)
    kept = [a for a in ini.approvals if a.decision == Decision.APPROVED]
    said = t(
        "{reference} is resubmitted (round {round}), with the deadline {day}. I asked {names} again, with what changed.",
        reference=ini.reference,
        round=ini.round,
        day=i18n.day(deadline),
        names=", ".join(mention(a.approver_id) for a in asked),
    )
    if kept:
        said += " " + t("The approvals of {names} stand.", names=", ".join(mention(a.approver_id) for a in kept))
    return said
