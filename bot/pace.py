"""Each workspace's sending pace, shared by the sender's threads: a token bucket that halves on a 429 and recovers.

Slack documents chat.postMessage as about one message per second per conversation "while also maintaining a
workspace-wide limit" it does not publish. So the pace starts at RATE messages a second across a workspace's
conversations (bursts of BURST), halves at each 429 (down to FLOOR) and grows by RECOVER every RECOVER_EVERY
seconds without one, up to RATE again. Only a message's first try takes a turn of the pace: a retry waits for its
backoff (a second or more) already.

A 429 also holds the workspace: every send waits for its Retry-After. One 429 alone may be the limit of its
conversation, so it holds the other conversations for at most SOLO_HOLD seconds (its own message waits the whole
Retry-After); a second 429 from another conversation while the first one's Retry-After runs shows the limit is the
workspace's, and holds all of it for the whole Retry-After. Holds count on the sender's clock (what
`next_attempt_at` is compared with); the pace counts real seconds. Several sender processes share it through the
workspace's row: each 429 writes the pace and the hold there (`shared`), and each claim reads what the others wrote
(`learn`), so that one process's 429 slows down and holds them all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

RATE = 20.0  # messages per second per workspace to start with
BURST = 10.0  # sends allowed back to back after a quiet time
FLOOR = 1.0  # the pace never halves below one message per second
RECOVER = 1.25
RECOVER_EVERY = 3.0  # seconds without a 429 before the pace grows again
SOLO_HOLD = 10.0  # seconds one conversation's 429 holds the others of its workspace
FIRST_WAIT = 2.0  # real seconds the others wait at most for the limited message to take its turn first


@dataclass
class _Bucket:
    rate: float
    tokens: float
    updated: float  # monotonic
    calm_since: float  # monotonic: the last 429's hold end, or the last growth
    held_until: float = 0.0  # clock seconds: no send of the workspace before
    limited: str | None = None  # the conversation of the latest 429
    limited_until: float = 0.0  # clock seconds: the end of that 429's Retry-After
    first: str | None = None  # the conversation whose limited message goes first when the hold ends
    learned: float = 0.0  # clock seconds: the end of the latest hold learned from another sender


class Pacer:
    """`wait_turn(team)` before each send; `slow_down(team, conversation, retry_after)` when Slack answered 429."""

    def __init__(
        self,
        now: Callable[[], float],
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rate: float = RATE,
        burst: float = BURST,
    ):
        self.now, self.sleep, self.monotonic = now, sleep, monotonic
        self.start_rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Condition()

    def _bucket(self, team: str) -> _Bucket:
        bucket = self._buckets.get(team)
        if bucket is None:
            mono = self.monotonic()
            bucket = self._buckets[team] = _Bucket(self.start_rate, self.burst, mono, mono)
        return bucket

    def held_for(self, team: str) -> float:
        """Seconds until the workspace may be sent to again after a 429 (0: not held)."""
        with self._lock:
            bucket = self._buckets.get(team)
            return max(0.0, bucket.held_until - self.now()) if bucket else 0.0

    def held_longer_than(self, seconds: float) -> list[str]:
        """The workspaces held for more than `seconds` (their messages are better left unclaimed)."""
        now = self.now()
        with self._lock:
            return [team for team, b in self._buckets.items() if b.held_until - now > seconds]

    def next_hold_end(self) -> float | None:
        """Seconds until the first of the current holds ends (None: no workspace is held)."""
        now = self.now()
        with self._lock:
            ends = [b.held_until - now for b in self._buckets.values() if b.held_until > now]
        return min(ends) if ends else None

    def wait_turn(self, team: str, max_hold: float, conversation: str | None = None, *, paced: bool = True) -> bool:
        """Take the workspace's next send slot and sleep until it comes; False (nothing taken) when the workspace is
        held for longer than `max_hold` seconds. After a 429 the message it refused takes the first turn.
        Not `paced`: only the hold is waited for (a retry, already spaced by its backoff of a second or more)."""
        with self._lock:
            bucket = self._bucket(team)
            deadline = self.monotonic() + FIRST_WAIT
            while bucket.first not in (None, conversation) and self.monotonic() < deadline:
                self._lock.wait(0.05)
            if bucket.first is not None:  # our turn (or the limited message never came back for it)
                bucket.first = None
                self._lock.notify_all()
            held = bucket.held_until - self.now()
            if held > max_hold:
                return False
            wait = self._take(bucket, max(0.0, held)) if paced else max(0.0, held)
        if wait > 0:
            self.sleep(wait)
        again = self.held_for(team)  # a 429 answered to another send while we slept holds us as well
        if again > max_hold:
            return False
        if again > 0:
            self.sleep(again)
        return True

    def _take(self, bucket: _Bucket, held: float) -> float:
        """Take a token of the bucket (grown back first, if it has been calm); the seconds until it is ours."""
        mono = self.monotonic()
        if mono - bucket.calm_since >= RECOVER_EVERY and bucket.rate < self.start_rate:
            bucket.rate = min(self.start_rate, bucket.rate * RECOVER)
            bucket.calm_since = mono
        start = mono + held
        # Refill up to `start`; a slot is a whole token. Tokens below zero are sends queued before ours
        # (never more than a burst of them, even when `sleep` does not really sleep).
        refill = max(0.0, start - bucket.updated) * bucket.rate
        bucket.tokens = max(-self.burst, min(self.burst, bucket.tokens + refill))
        bucket.updated = max(bucket.updated, start)
        wait = start - mono + max(0.0, 1.0 - bucket.tokens) / bucket.rate
        bucket.tokens -= 1.0
        return wait

    def slow_down(self, team: str, conversation: str, retry_after: float, *, retry_first: bool = False) -> None:
        """Slack answered 429 for `conversation`: halve the pace (once per hold) and hold the workspace;
        `retry_first`: its message is tried again at the end of the hold, before any other."""
        with self._lock:
            bucket, now, mono = self._bucket(team), self.now(), self.monotonic()
            if bucket.held_until <= now:  # the first 429 of a hold; the others were in flight with it
                bucket.rate = max(FLOOR, bucket.rate / 2)
            workspace_wide = bucket.limited not in (None, conversation) and bucket.limited_until > now
            hold = retry_after if workspace_wide else min(retry_after, SOLO_HOLD)
            bucket.held_until = max(bucket.held_until, now + hold)
            bucket.limited, bucket.limited_until = conversation, max(bucket.limited_until, now + retry_after)
            bucket.tokens, bucket.updated = min(bucket.tokens, 1.0), mono  # after the hold: one, then the pace
            bucket.calm_since = mono + (bucket.held_until - now)
            if retry_first and bucket.first is None:
                bucket.first = conversation

    def shared(self, team: str) -> tuple[float, float]:
        """What to tell the other senders of the workspace after a 429: its pace, and until when it is held."""
        with self._lock:
            bucket = self._bucket(team)
            return bucket.rate, bucket.held_until

    def learn(self, team: str, rate: float, held_until: float) -> None:
        """Another sender got a 429 from the workspace: go its pace (if slower) and wait out its hold, once."""
        with self._lock:
            bucket = self._bucket(team)
            if held_until <= max(bucket.learned, bucket.held_until):
                return
            bucket.learned = bucket.held_until = held_until
            bucket.rate = max(FLOOR, min(bucket.rate, rate))
            bucket.tokens, bucket.updated = min(bucket.tokens, 1.0), self.monotonic()
            bucket.calm_since = self.monotonic() + max(0.0, held_until - self.now())

    def rate(self, team: str) -> float:
        """The workspace's pace now, in messages per second."""
        with self._lock:
            bucket = self._buckets.get(team)
            return bucket.rate if bucket else self.start_rate
