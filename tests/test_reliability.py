"""Nudges are delivered once, and none is lost: concurrent sweeps, processes racing on PostgreSQL,
a process killed mid-delivery, Slack failing, a deactivated approver, and days of downtime.

Initiatives are registered through the slash command; then the clock moves so that nudges are
due, and what Slack received is counted at the fake.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import uuid
from collections import Counter
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.calendar import zone
from bot.config import normalize_database_url
from bot.delivery import LEASE
from bot.jobs import sweep
from bot.runtime import Greenlight
from storage.db import make_engine
from storage.models import OutboxMessage
from tests.conftest import BACKENDS, POSTGRES_URL, SIGNING_SECRET
from tests.conftest import test_config as config_for
from tests.facts import references
from tests.fake_slack import HISTORY_SCOPES
from tests.processes import APP, bot_env, cli, free_port, run, running, with_search_path
from tests.slack_driver import SlackDriver, text_of
from tests.story import FIRST_NUDGES_DUE as DUE
from tests.story import register_plans as register
from tests.story import run_for


def nudges(fake) -> list[tuple[str, str]]:
    """(channel, reference) of every reminder Slack accepted. A DM that combines the reminders due to one person
    at once (one reminder a day, SPEC §3: "3 reminders: GL-1, GL-2, GL-3") counts each of them."""
    found = []
    for c in fake.calls("chat.postMessage"):
        text = c.args.get("text") or ""
        if not c.failed and ("waiting on you" in text or re.match(r"^[0-9]+ reminders: ", text)):
            found += [(c.args["channel"], ref) for ref in references(text)]
    return found


def outbox(gl, prefix: str = "nudge:") -> list[OutboxMessage]:
    with gl.transaction() as s:
        return list(
            s.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix)).order_by(OutboxMessage.id))
        )


# ---- a database that other processes can open too -------------------------------------------


class Shared:
    """A migrated database at a URL that subprocesses can use, with a Greenlight and a Slack driver on it."""

    def __init__(self, url: str, fake, clock):
        self.url, self.fake = url, fake
        self.gl = Greenlight(
            config_for(fake, DATABASE_URL=url),
            clock=clock,
            engine=make_engine(normalize_database_url(url)),
            sleep=lambda s: None,
        )
        self.slack = SlackDriver(self.gl, fake, SIGNING_SECRET)

    def env(self, at: datetime) -> dict:
        return bot_env(self.fake, self.url, at, inherit=True, SLACK_SIGNING_SECRET="x", LOG_LEVEL="WARNING")

    def start(self, command: str, at: datetime) -> AbstractContextManager[subprocess.Popen]:
        """`python -m bot <command>` in its own process, its clock starting at `at`; output in pipes, stopped on exit."""
        return running(cli(command), self.env(at))

    def run(self, command: str, at: datetime) -> None:
        done = run(cli(command), self.env(at))
        assert done.returncode == 0, (command, done.stdout, done.stderr)


@pytest.fixture(params=BACKENDS)
def shared(request, tmp_path, fake, clock):
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'greenlight.db'}", None
    else:
        schema = f"gl_rel_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = make_engine(normalize_database_url(POSTGRES_URL))
        with admin.begin() as conn:  # fails, not skips, when PostgreSQL is configured but unreachable
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = with_search_path(POSTGRES_URL, schema)

        def drop():
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()

    db = Shared(url, fake, clock)
    db.run("migrate", clock.now())  # as an operator would; the app migrates only SQLite by itself
    yield db
    db.gl.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def postgres():
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL runs only when GREENLIGHT_TEST_POSTGRES_URL is set")


# ---- several sweeps at once ---------------------------------------------------------------


def test_two_sweeps_at_the_same_moment_send_each_nudge_once(gl, db, slack, fake, clock):
    register(slack, 6)
    clock.set(DUE)
    fake.clear()
    fake.delay_next("chat.postMessage", 0.02, times=100)  # slow Slack: the sweeps overlap while delivering
    other = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    start = threading.Barrier(2)
    errors = []

    def run(g):
        try:
            start.wait()
            sweep(g)
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(g,)) for g in (gl, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    sent = Counter(nudges(fake))
    assert len(sent) == 12 and set(sent.values()) == {1}, sent  # 6 initiatives x 2 approvers, each once
    assert {channel for channel, _ in sent} == {"UALICE", "UOTHER"}
    assert [m.status for m in outbox(gl, "reminders:")] == ["sent"] * 2  # one DM each, with their 6 reminders


def test_three_processes_racing_on_postgresql_send_each_nudge_once(postgres, shared, fake, clock):
    register(shared.slack, 10)
    fake.clear()
    fake.delay_next("chat.postMessage", 0.05, times=100)  # slow Slack: the processes overlap while delivering
    with ExitStack() as processes:
        procs = [processes.enter_context(shared.start("sweep", DUE)) for _ in range(3)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, (out, err)
    sent = Counter(nudges(fake))
    assert len(sent) == 20 and set(sent.values()) == {1}, sent  # 10 initiatives x 2 approvers, each once
    assert [m.status for m in outbox(shared.gl, "reminders:")] == ["sent"] * 2  # one DM each, with their 10


# ---- a crash between claiming and recording ------------------------------------------------


def test_a_process_killed_while_sending_loses_nothing(shared, fake, clock):
    """SIGKILL while Slack is answering a nudge: after the claim lease, another sweep delivers every message.

    The message in flight when the process died was accepted by Slack but never recorded as sent. It was
    marked as being sent, so once the lease (bot.delivery.LEASE) expires the next sweep first looks for its
    outbox key in the conversation (message metadata), finds it and records it instead of sending it again.
    Before reconciliation this window sent it twice. Nothing is sent twice, nothing is lost."""
    fake.grant(*HISTORY_SCOPES)
    register(shared.slack, 3)
    fake.clear()
    fake.delay_next("chat.postMessage", 30)  # Slack takes the first nudge, then hangs before answering
    with shared.start("sweep", DUE) as proc:
        in_flight = fake.wait_for("chat.postMessage", timeout=60)[0]
        proc.kill()  # SIGKILL: no cleanup, no rollback, no 'finally'
        proc.wait(timeout=30)
    assert proc.returncode == -9
    rows = outbox(shared.gl, "reminders:")  # one DM per approver with their 3 reminders (one reminder a day)
    assert len(rows) == 2 and all(m.status == "pending" and m.claimed_until for m in rows)  # claimed, none recorded

    shared.run("sweep", DUE + timedelta(minutes=1))  # restarted within the lease: the claimed ones wait
    assert len(fake.calls("chat.postMessage")) == 1

    shared.run("sweep", DUE + LEASE + timedelta(minutes=1))
    sent = Counter(nudges(fake))
    assert len(sent) == 6, sent  # every nudge delivered
    in_flight_refs = references(in_flight.args["text"])
    # the one in flight: found in the conversation, not sent again
    assert len(in_flight_refs) == 3 and all(sent[(in_flight.args["channel"], r)] == 1 for r in in_flight_refs)
    assert sum(sent.values()) == 6  # and no other duplicate
    assert [m.status for m in outbox(shared.gl, "reminders:")] == ["sent"] * 2
    assert len(fake.calls("conversations.history")) == 1  # looked up once: only the one in flight was uncertain


# ---- Slack failing ------------------------------------------------------------------------------


def test_a_due_nudge_waits_out_429_then_retries_500_and_arrives_once(db, slack, fake, clock):
    slept = []
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=slept.append)
    register(slack, 1, approvers=("UALICE",))
    clock.set(DUE)
    fake.clear()
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    fake.fail_next("chat.postMessage", status=500)

    sweep(gl)  # 429: rescheduled for Retry-After, not retried at once
    clock.advance(seconds=29)
    sweep(gl)  # still too early
    assert [c.failed for c in fake.calls("chat.postMessage")] == [True]
    clock.advance(seconds=2)
    sweep(gl)  # 500, a short backoff, then success
    clock.advance(hours=1)
    sweep(gl)

    attempts = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "UALICE"]
    assert [c.failed for c in attempts] == [True, True, False]
    assert slept == [1.0]  # the backoff after the 500
    assert len(nudges(fake)) == 1 and "waiting on you" in attempts[-1].args["text"]
    [row] = outbox(gl)
    assert row.status == "sent" and row.attempts == 2
    assert row.sent_at >= DUE + timedelta(seconds=30)


def test_a_deactivated_approver_is_tried_once_and_the_owner_is_told_once(gl, slack, fake, clock):
    register(slack, 1)
    fake.add_user("UOTHER", name="other", deleted=True)  # deactivated after registration
    clock.set(DUE)
    fake.clear()
    for _ in range(4):
        sweep(gl)
        clock.advance(minutes=20)

    to_other = [c for c in fake.calls("chat.postMessage") if c.args["channel"] == "UOTHER"]
    assert len(to_other) == 1  # one attempt, no retry loop
    [told] = slack.dms("UOWNER")
    assert (
        "I could not deliver a message about *GL-1* to <@UOTHER> (user_not_found). Please reach them another way, "
        "or check that I can post there. I will not send them more reminders about it."
    ) in text_of(told)
    assert [(m.recipient, m.status) for m in outbox(gl)] == [("UALICE", "sent"), ("UOTHER", "undeliverable")]

    clock.set(datetime(2026, 12, 21, 12, 0, tzinfo=UTC))  # the rest of the cadence, to the deadline day
    sweep(gl)
    assert len([c for c in fake.calls("chat.postMessage") if c.args["channel"] == "UOTHER"]) == 1
    assert len(slack.dms("UOWNER")) == 1  # told once, not at every nudge
    assert len(slack.dms("UALICE")) == 2  # the reachable approver still gets her reminder


# ---- downtime -----------------------------------------------------------------------------------


def test_after_days_of_downtime_each_approver_gets_one_catch_up_nudge_in_their_working_hours(gl, slack, fake, clock):
    register(slack, 1, approvers=("UALICE", "UBOB", "UCAROL"))  # Berlin, Los Angeles, Tokyo
    run_for(gl, fake, clock, days=1)  # each gets the request in their working hours, then the bot goes down
    fake.clear()
    # Down from Monday 7 until Tuesday 15 December, 03:00 in Berlin: 6 business days, no sweep at all.
    clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    received: dict[str, list[datetime]] = {}
    for _ in range(48):  # then a sweep every 30 minutes for a day
        before = len(fake.calls("chat.postMessage"))
        sweep(gl)
        for call in fake.calls("chat.postMessage")[before:]:
            if call.args["channel"].startswith("U"):  # DMs (the missed weekly summary goes to the channel)
                received.setdefault(call.args["channel"], []).append(clock.now())
        clock.advance(minutes=30)

    local = {
        who: [at.astimezone(zone(tz)) for at in received.get(who, [])]
        for who, tz in [("UALICE", "Europe/Berlin"), ("UBOB", "America/Los_Angeles"), ("UCAROL", "Asia/Tokyo")]
    }
    assert {who: len(times) for who, times in local.items()} == {"UALICE": 1, "UBOB": 1, "UCAROL": 1}, local
    # Each at the first working moment the sweep saw: Tokyo was at work at once, Berlin waited for 09:00
    # instead of getting it at 03:00, Los Angeles for its Tuesday morning.
    assert local["UCAROL"][0].strftime("%a %H:%M") == "Tue 11:00"
    assert local["UALICE"][0].strftime("%a %H:%M") == "Tue 09:00"
    assert local["UBOB"][0].strftime("%a %H:%M") == "Tue 09:00"
    assert set(received) == {"UALICE", "UBOB", "UCAROL"}  # no other DM
    # The plan it states skips the regular reminder that was due an hour later: the pace resumes from here.
    assert "Next reminder: Thu 17 Dec 2026." in text_of(slack.dms("UALICE")[-1])


# ---- the scheduler ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["clock", "app"])
def test_the_scheduler_sweeps_in_the_clock_process_and_in_the_app(shared, fake, clock, command):
    """The Procfile's `clock` (python -m bot clock) and `python app.py` (scheduler on by default) both sweep:
    nudges due at start are sent without anything else happening."""
    register(shared.slack, 2)
    fake.clear()
    args = cli("clock") if command == "clock" else APP
    env = {**shared.env(DUE), "PORT": str(free_port())}
    with running(args, env):
        fake.wait_for("chat.postMessage", count=2, timeout=60)  # one DM per approver, with both reminders
    assert len(Counter(nudges(fake))) == 4
