"""A Monday burst at Slack's pace: `python bench/burst.py [--messages 5000] [--per-minute 600] [--latency 0.15]`

Queues `--messages` nudge DMs, each to a person of its own, in one workspace, and lets the app's own delivery
worker (gl.worker: the pool of sender threads and the workspace's pace, as in `python app.py`) send them to the
fake Slack of the tests. The fake answers every chat.postMessage after `--latency` seconds and allows
`--per-minute` of them in any 60 seconds for the workspace; beyond that it answers 429 with the Retry-After
that lets the next one through. It prints the total time against what the limit allows (messages / per-minute),
how many 429s were answered, when the first and the last recipients got theirs, and any message Slack got twice
or not at all. `--database postgresql://...` runs it on PostgreSQL (in a schema of its own, dropped at the end);
SQLite by default.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bot.clock import Clock  # noqa: E402
from bot.runtime import Greenlight  # noqa: E402
from bot.services.outbox import enqueue, message  # noqa: E402
from storage.db import make_engine, migrate  # noqa: E402
from storage.models import OutboxMessage  # noqa: E402
from tests.conftest import test_config  # noqa: E402
from tests.fake_slack import FakeSlack, Fault  # noqa: E402


class SlackPace:
    """The fake's workspace limit: `per_minute` chat.postMessage in any 60 s (429 + Retry-After beyond), each
    accepted one answered after `latency` seconds."""

    def __init__(self, per_minute: int, latency: float):
        self.per_minute, self.latency = per_minute, latency
        self.accepted: deque[float] = deque()
        self.limited = 0
        self.lock = threading.Lock()

    def __call__(self, method: str, args: dict, token: str | None) -> Fault | None:
        if method != "chat.postMessage":
            return None
        now = time.monotonic()
        with self.lock:
            while self.accepted and self.accepted[0] <= now - 60:
                self.accepted.popleft()
            if len(self.accepted) >= self.per_minute:
                self.limited += 1
                return Fault(status=429, retry_after=max(1, math.ceil(self.accepted[0] + 60 - now)))
            self.accepted.append(now)
        return Fault(late=self.latency) if self.latency else None


def engine_for(url: str | None):
    if url is None:
        folder = tempfile.mkdtemp(prefix="greenlight-burst-")
        engine = make_engine(f"sqlite:///{os.path.join(folder, 'burst.db')}")
    else:
        schema = "burst_" + uuid.uuid4().hex[:8]
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"create schema {schema}"))
        admin.dispose()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    migrate(engine)
    return engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--per-minute", type=int, default=600)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()

    fake = FakeSlack().start()
    pace = SlackPace(args.per_minute, args.latency)
    fake.faults = pace
    engine = engine_for(args.database)
    gl = Greenlight(test_config(fake), clock=Clock(), engine=engine)
    people = [f"UB{i:05d}" for i in range(args.messages)]

    def work(session, now):
        for start in range(0, len(people), 1000):
            enqueue(
                session,
                [
                    message(
                        "T1", f"nudge:{i}", person, {"text": f"A reminder, {person}: GL-{i} waits for you"}, now=now
                    )
                    for i, person in enumerate(people[start : start + 1000], start)
                ],
            )

    gl.act(work)

    started = time.monotonic()
    gl.worker.start()
    gl.worker.wake()
    allowed = args.messages / args.per_minute * 60
    while True:
        time.sleep(1.0)
        with gl.reading() as s:
            left = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
        if not left:
            break
        if time.monotonic() - started > 3 * allowed + 120:
            print(f"gave up: {left} still pending")
            break
    elapsed = time.monotonic() - started
    gl.worker.stop()

    posts = [c for c in fake.calls("chat.postMessage") if not c.failed]
    keys = Counter((c.args.get("metadata") or {}).get("event_payload", {}).get("key") for c in posts)
    twice = sum(1 for n in keys.values() if n > 1)
    missing = args.messages - sum(1 for i in range(args.messages) if keys.get(f"nudge:{i}"))
    first_at = {}
    for c in posts:
        first_at.setdefault(c.args.get("channel"), c.at)
    t0 = min(first_at.values()) if first_at else 0
    arrival = [first_at[p] - t0 for p in people if p in first_at]
    with gl.reading() as s:
        statuses = dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    print(
        f"database: {engine.dialect.name}; messages: {args.messages}; Slack: {args.latency * 1000:.0f} ms per post, "
        f"{args.per_minute}/min per workspace"
    )
    print(
        f"all sent in {elapsed:.1f} s = {elapsed / 60:.2f} min; the limit allows {allowed / 60:.2f} min "
        f"(ratio {elapsed / allowed:.2f}); 429 answered: {pace.limited}"
    )
    print(f"posts Slack stored: {len(posts)}; keys posted twice: {twice}; never posted: {missing}; outbox: {statuses}")
    if arrival:
        n = len(arrival)
        print(
            f"arrival after the first post, in queue order: first 100 recipients by {max(arrival[:100]):.1f} s, "
            f"median recipient {statistics.median(arrival):.1f} s, recipient #{n // 2} at {arrival[n // 2]:.1f} s, "
            f"last at {max(arrival):.1f} s; arrivals out of queue order: "
            f"{sum(1 for a, b in pairwise(arrival) if b < a - 1.0)} (by more than 1 s)"
        )
    fake.stop()
    if engine.dialect.name == "postgresql":  # its schema goes with it
        with engine.begin() as conn:
            schema = conn.scalar(text("select current_schema()"))
            conn.execute(text(f"drop schema {schema} cascade"))
    engine.dispose()


if __name__ == "__main__":
    main()
