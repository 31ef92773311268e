"""The one source of business time: every rule asks this clock, never the database's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: datetime):
        self._at = at.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._at += timedelta(**delta)
            return self._at


class ShiftedClock(Clock):
    """Wall-clock time moved so that it starts at a given moment (GREENLIGHT_NOW: rehearsals and tests)."""

    def __init__(self, start: datetime):
        self._offset = start.astimezone(UTC) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset
