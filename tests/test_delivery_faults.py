"""The fault suite: 1,000 messages through ten minutes of a Slack having a bad day, two senders and a kill -9.

For ten minutes of simulated time (a FrozenClock moved 5 s every tenth of a real second) chat.postMessage
answers a random mix of 429 (Retry-After 1 to 30 s), 500, posts accepted but answered after the client's
timeout, transient ok:false errors and slow answers; two senders (threads, each its own Greenlight) deliver
the whole time, and halfway a third sender (`python -m bot sweep`, a process of its own) is killed with
SIGKILL while Slack holds its answer (the last 200 messages are queued just before it starts, while the
two threads hold still, so that it has work to claim). Then Slack recovers and the senders drain the outbox.

Every one of the 1,000 logical messages must be in Slack; the duplicates are counted and printed (run with
-s). None may come from a lost lease (fencing) or a late answer (reconciliation): the count must be 0.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

from sqlalchemy import func, select

from bot.runtime import Greenlight
from bot.services.outbox import enqueue, message
from storage.models import OutboxMessage
from tests.conftest import test_config as config_for
from tests.fake_slack import HISTORY_SCOPES, TRANSIENT_ERRORS, Fault
from tests.processes import bot_env, cli, database_url, running

MESSAGES = 1000
PEOPLE = [f"UF{i:03d}" for i in range(40)]
CHANNELS = [f"CF{i:02d}" for i in range(10)]
TIMEOUT = 0.5  # the senders' Slack client timeout, seconds (real time)
STEP = 5  # simulated seconds per step
STEP_REAL = 0.1  # real seconds per step
BAD_MINUTES = 10
DOOMED = "xoxb-doomed"  # the token of the process that is killed
LATE_TRANCHE = 200  # messages queued right before it starts


class BadDay:
    """A random mix of failures for chat.postMessage (and now and then for the lookups), while on."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.on = True
        self.doomed_posts = 0
        self.hung = threading.Event()  # the doomed process is waiting for an answer that will not come

    def __call__(self, method: str, args: dict, token: str | None) -> Fault | None:
        if token == DOOMED and method == "chat.postMessage":
            self.doomed_posts += 1
            if self.doomed_posts == 5:
                self.hung.set()
                return Fault(late=60)  # Slack stores it and never answers before the kill
        if not self.on:
            return None
        r = self.rng.random()
        if method == "conversations.history":
            return Fault(status=500) if r < 0.1 else None
        if method != "chat.postMessage":
            return None
        if r < 0.10:
            return Fault(status=429, retry_after=self.rng.choice([1, 2, 5, 30]))
        if r < 0.18:
            return Fault(status=500)
        if r < 0.22:
            return Fault(late=TIMEOUT * 2)  # accepted, answered after the client gave up
        if r < 0.32:
            return Fault(error=self.rng.choice(TRANSIENT_ERRORS))
        if r < 0.40:
            return Fault(late=TIMEOUT / 5)  # slow, in time
        return None


def queue(gl, numbers: range) -> None:
    def work(session, now):
        rows = []
        for i in numbers:
            to = PEOPLE[i % len(PEOPLE)] if i % 5 else CHANNELS[i % len(CHANNELS)]
            rows.append(message("T1", f"fault:{i}", to, {"text": f"message {i}"}, now=now))
        enqueue(session, rows)

    gl.act(work)


def pending(gl) -> int:
    with gl.reading() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))


def test_a_thousand_messages_through_a_bad_day_arrive_and_none_twice(db, fake, clock):
    bad_day = BadDay()
    fake.faults = bad_day
    fake.grant(*HISTORY_SCOPES)
    senders = [
        Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None, slack_timeout=TIMEOUT)
        for _ in range(2)
    ]
    queue(senders[0], range(MESSAGES - LATE_TRANCHE))
    stop, hold = threading.Event(), threading.Event()
    idle = [threading.Event() for _ in senders]
    errors: list[BaseException] = []

    def keep_delivering(gl, idle):
        while not stop.is_set():
            if hold.is_set():
                idle.set()
                time.sleep(0.01)
                continue
            idle.clear()
            try:
                gl.sender.deliver_due()
            except Exception as e:
                errors.append(e)
            time.sleep(0.01)

    threads = [threading.Thread(target=keep_delivering, args=(g, i), daemon=True) for g, i in zip(senders, idle)]
    for t in threads:
        t.start()
    started = time.monotonic()
    try:
        for step in range(BAD_MINUTES * 60 // STEP):
            if step == BAD_MINUTES * 60 // STEP // 3:
                hold.set()
                assert all(i.wait(60) for i in idle)
                queue(senders[0], range(MESSAGES - LATE_TRANCHE, MESSAGES))
                clock.advance(seconds=30)  # past any 429's hold (it is shared: it would keep the third from sending)
                kill_a_sender_while_slack_holds_its_answer(db, fake, clock, bad_day)
                hold.clear()
            clock.advance(seconds=STEP)
            time.sleep(STEP_REAL)
        bad_day.on = False
        for _ in range(2000):  # Slack is well again: drain what the backoffs still hold
            if not pending(senders[0]):
                break
            clock.advance(minutes=2)
            time.sleep(STEP_REAL)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, errors[:3]

    keys = Counter(m["text"] for m in fake.posted())  # what people read: "message 17"
    duplicates = sum(n - 1 for n in keys.values())
    failed = Counter("ok" if not c.failed else "failed" for c in fake.calls("chat.postMessage"))
    print(
        f"\nfault suite ({db.dialect.name}): {MESSAGES} messages, {sum(failed.values())} chat.postMessage calls "
        f"({failed['failed']} answered with a failure), {len(fake.calls('conversations.history'))} lookups, "
        f"{len(keys)} arrived, {duplicates} duplicates, {time.monotonic() - started:.1f} s"
    )
    assert set(keys) == {f"message {i}" for i in range(MESSAGES)}  # every message arrived
    assert pending(senders[0]) == 0
    with senders[0].reading() as s:
        assert set(s.scalars(select(OutboxMessage.status))) == {"sent"}
    assert duplicates == 0, [k for k, n in keys.items() if n > 1]


def kill_a_sender_while_slack_holds_its_answer(db, fake, clock, bad_day) -> None:
    """A third sender, `python -m bot sweep` on the same database, is killed (SIGKILL) while Slack holds its
    fifth post: what it had claimed waits out its lease, and the post in flight is found, not repeated."""
    env = bot_env(
        fake,
        database_url(db),
        clock.now(),
        inherit=True,
        SLACK_BOT_TOKEN=DOOMED,
        SLACK_SIGNING_SECRET="x",
        LOG_LEVEL="ERROR",
    )
    with running(cli("sweep"), env) as proc:  # the simulated clock stands still until it is dead
        if not bad_day.hung.wait(60):
            proc.terminate()
            raise AssertionError(f"the doomed sender never reached its fifth post: {proc.communicate()}")
        proc.kill()
        proc.wait(30)
    assert proc.returncode == -9
