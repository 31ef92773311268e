"""What state an initiative or an approval is in, and the named sets of states the rules ask about."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an initiative is in its life (SPEC §2); it changes only through services.lifecycle.move."""

    OPEN = "open"
    ESCALATED = "escalated"
    PROCEEDING = "proceeding"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REPORTED = "reported"

    @property
    def asking(self) -> bool:
        """Approvers are still asked to answer (open, or escalated to the sponsor)."""
        return self in ASKING

    @property
    def closed(self) -> bool:
        return self in CLOSED


class Decision(StrEnum):
    """One approver's answer, or why none is asked for (yet)."""

    PENDING = "pending"  # asked, not yet answered
    APPROVED = "approved"
    REJECTED = "rejected"
    QUEUED = "queued"  # in a later stage, not asked yet
    SKIPPED = "skipped"  # its stage was complete without this answer: none needed

    @property
    def answered(self) -> bool:
        return self in ANSWERED


ANSWERED = (Decision.APPROVED, Decision.REJECTED)
ASKING = (Status.OPEN, Status.ESCALATED)
ACTIVE = (Status.OPEN, Status.ESCALATED, Status.PROCEEDING)  # not yet closed: listed and summarised
CLOSED = (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN, Status.REPORTED)
