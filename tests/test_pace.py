"""Delivery at Slack's pace: several conversations in flight at once but each in order and one message at a time,
and a workspace's 429 holding every send to it for its Retry-After and halving its pace (bot/pace.py)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from sqlalchemy import select

from bot import pace
from bot.pace import Pacer
from bot.runtime import Greenlight
from bot.services.outbox import enqueue, message
from storage.models import OutboxMessage
from tests.conftest import test_config as config_for
from tests.fake_slack import Fault


def queue(gl, recipients: list[str], first: int = 0) -> None:
    """One message to each recipient of the list, in that order (a recipient may come back); keys from m:`first`."""

    def work(session, now):
        enqueue(
            session,
            [
                message("T1", f"m:{i}", to, {"text": f"message {i}"}, now=now)
                for i, to in enumerate(recipients, start=first)
            ],
        )

    gl.act(work)


class Watched:
    """The sender's client, counting the posts in flight in total and per conversation."""

    def __init__(self, client):
        self.client = client
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = defaultdict(int)
        self.most = 0
        self.most_in_one = 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def chat_postMessage(self, *, channel, **kwargs):
        with self.lock:
            self.in_flight[channel] += 1
            self.most = max(self.most, sum(self.in_flight.values()))
            self.most_in_one = max(self.most_in_one, self.in_flight[channel])
        try:
            return self.client.chat_postMessage(channel=channel, **kwargs)
        finally:
            with self.lock:
                self.in_flight[channel] -= 1


def keys_to(fake, channel: str) -> list[int]:
    return [
        int(c.args["metadata"]["event_payload"]["key"][2:])
        for c in fake.calls("chat.postMessage")
        if not c.failed and c.args["channel"] == channel
    ]


def test_conversations_go_out_side_by_side_each_in_order_and_one_at_a_time(gl, fake):
    fake.faults = lambda method, args, token: Fault(late=0.02) if method == "chat.postMessage" else None
    busy = ["UBUSY1", "UBUSY2", "CBUSY"]
    recipients = [busy[i % 3] if i % 2 else f"U{i:03d}" for i in range(60)]  # 3 conversations of 10, 30 of one
    queue(gl, recipients)
    watched = Watched(gl.sender_client_for("T1"))
    gl.sender.client_for = lambda team: watched

    assert gl.sender.deliver_due() == 60  # one delivery run serves every conversation

    assert watched.most > 1  # several conversations were in flight at once
    assert watched.most_in_one == 1  # never two messages of one conversation
    for conversation in busy:
        sent = keys_to(fake, conversation)
        assert len(sent) == 10 and sent == sorted(sent)  # in the order they were queued
    for i in range(0, 60, 2):
        assert keys_to(fake, f"U{i:03d}") == [i]


def test_a_429_holds_every_conversation_of_the_workspace_for_its_retry_after(db, fake, clock):
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=time.sleep)
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    queue(gl, ["UONE", "UTWO", "UTHREE"])

    assert gl.sender.deliver_due() == 3

    limited, *later = fake.calls("chat.postMessage")
    assert limited.failed and limited.args["channel"] == "UONE"
    assert [c.args["channel"] for c in later] == ["UONE", "UTWO", "UTHREE"]  # the limited one first, then in order
    assert all(c.at - limited.at >= 1.0 for c in later)  # not only UONE waited: the whole workspace did
    assert gl.sender.pacer.rate("T1") < pace.RATE  # and goes on slower (halved, recovering)


def test_429s_from_two_conversations_leave_the_workspace_unclaimed_until_the_retry_after(gl, fake, clock):
    fake.fail_next("chat.postMessage", status=429, retry_after=60, times=2)
    queue(gl, ["UONE", "UTWO", "UTHREE", "UFOUR"])

    assert gl.sender.deliver_due() == 0  # the second 429 shows the limit is the workspace's: nothing more is tried
    assert [c.args["channel"] for c in fake.calls("chat.postMessage")] == ["UONE", "UTWO"]
    with gl.transaction() as s:
        rows = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [r.status for r in rows] == ["pending"] * 4
    assert all(r.claim_token is None for r in rows)
    assert rows[2].next_attempt_at == rows[3].next_attempt_at == clock.now()  # still due: claimed when the hold ends

    clock.advance(seconds=30)
    assert gl.sender.deliver_due() == 0  # still held: not even claimed
    assert len(fake.calls("chat.postMessage")) == 2
    clock.advance(seconds=30)
    assert gl.sender.deliver_due() == 4
    # Those never tried keep their place (due since the start); the limited ones are due at their Retry-After.
    assert [c.args["channel"] for c in fake.calls("chat.postMessage")][2:] == ["UTHREE", "UFOUR", "UONE", "UTWO"]


def test_a_429_answered_to_one_process_holds_and_slows_the_others(gl, db, fake, clock):
    other = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)  # a second clock process
    fake.fail_next("chat.postMessage", status=429, retry_after=60, times=2)
    queue(gl, ["UONE", "UTWO"])
    assert gl.sender.deliver_due() == 0  # two conversations limited: the workspace is held for 60 s

    queue(other, ["UTHREE"], first=2)
    assert other.sender.deliver_due() == 0  # the other process has had no 429, yet it waits too
    assert len(fake.calls("chat.postMessage")) == 2
    assert other.sender.pacer.rate("T1") == gl.sender.pacer.rate("T1") < pace.RATE  # and goes the slower pace

    clock.advance(seconds=60)
    assert other.sender.deliver_due() == 3
    assert [c.args["channel"] for c in fake.calls("chat.postMessage")][2:] == ["UTHREE", "UONE", "UTWO"]


class Times:
    """A clock and a sleep for the pacer: sleeping moves both the clock and the monotonic time."""

    def __init__(self):
        self.t = 1000.0
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_the_pace_halves_at_a_429_and_recovers_to_where_it_started():
    times = Times()
    pacer = Pacer(times.now, sleep=times.sleep, monotonic=times.now, rate=10, burst=2)
    for _ in range(12):
        assert pacer.wait_turn("T1", 10)
    assert sum(times.slept) == 1.0  # a burst of 2, then one every 0.1 s

    pacer.slow_down("T1", "UONE", 4)
    pacer.slow_down("T1", "UTWO", 4)  # in flight with the first: no second halving
    assert pacer.rate("T1") == 5
    times.slept.clear()
    assert pacer.wait_turn("T1", 10)
    assert times.slept[0] >= 4  # Retry-After, for everyone

    assert not Pacer(times.now, sleep=times.sleep, monotonic=times.now).held_for("T2")
    pacer.slow_down("T1", "UONE", 30)
    pacer.slow_down("T1", "UTWO", 30)  # a second conversation: the workspace's limit, held for all of it
    assert not pacer.wait_turn("T1", 10)
    assert pacer.held_longer_than(10) == ["T1"]
    times.t += 30
    assert pacer.rate("T1") == 2.5
    for _ in range(40):
        pacer.wait_turn("T1", 10)
        times.t += 1
    assert pacer.rate("T1") == 10  # grown back, never past where it started
