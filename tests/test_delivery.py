"""Outbox delivery: every Slack answer classified (retry, wait, unreachable, token refused), each send fenced by its
claim, uncertain sends found in the conversation rather than repeated, and requests that never wait for Slack."""

import logging
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from slack_bolt.request import BoltRequest
from sqlalchemy import select

from bench.slack_down import measure
from bot.delivery import LEASE
from bot.jobs import queue_due, sweep
from bot.runtime import Greenlight
from bot.slack_app import build_app
from storage.models import Approval, Event, OutboxMessage, Workspace
from tests.conftest import SIGNING_SECRET
from tests.conftest import test_config as config_for
from tests.fake_slack import HISTORY_SCOPES
from tests.slack_driver import SlackDriver, command_body, signed_headers, text_of

FORM = "application/x-www-form-urlencoded"

NEW = "new Training plan approvers <@UALICE> <@UOTHER> sponsor <@USPONSOR>"


def outbox(gl, key_prefix: str) -> OutboxMessage:
    with gl.transaction() as s:
        return s.scalar(
            select(OutboxMessage).where(OutboxMessage.key.like(key_prefix + "%")).order_by(OutboxMessage.id)
        )


def posts_to(fake, channel: str):
    return [c for c in fake.calls("chat.postMessage") if c.args.get("channel") == channel]


@pytest.fixture
def sleeping(db, fake, clock):
    """A Greenlight that really sleeps while it waits out a 429 or a backoff."""
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=time.sleep)
    return gl, SlackDriver(gl, fake, SIGNING_SECRET)


def test_429_then_500_then_success_arrives_once_after_retry_after(sleeping, fake):
    gl, slack = sleeping
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    fake.fail_next("chat.postMessage", status=500)
    assert slack.command(NEW)["text"].startswith("Registered *GL-1*")

    limited, broken, delivered = posts_to(fake, "CGENERAL")
    assert (limited.failed, broken.failed, delivered.failed) == (True, True, False)
    assert broken.at - limited.at >= 1.0  # Retry-After: 1
    assert delivered.at > broken.at
    assert "registered *GL-1* Training plan" in text_of(delivered.args)
    assert len(posts_to(fake, "UALICE")) == len(posts_to(fake, "UOTHER")) == 1
    row = outbox(gl, "announce:")
    assert row.status == "sent" and row.ts  # the ts is kept, so later updates and thread replies find it


def test_a_long_retry_after_is_waited_out_by_a_later_delivery(gl, slack, fake, clock):
    fake.fail_next("chat.postMessage", status=429, retry_after=60)
    slack.command(NEW)
    row = outbox(gl, "announce:")
    assert row.status == "pending" and row.next_attempt_at == clock.now() + timedelta(seconds=60)
    assert len(posts_to(fake, "UALICE")) == 1  # the other messages were not held up

    clock.advance(seconds=59)
    gl.deliver()
    assert len(posts_to(fake, "CGENERAL")) == 1  # not before Retry-After
    clock.advance(seconds=1)
    gl.deliver()
    assert [c.failed for c in posts_to(fake, "CGENERAL")] == [True, False]
    assert outbox(gl, "announce:").status == "sent"


def test_five_server_errors_keep_the_message_queued_until_a_later_delivery(gl, slack, fake, clock):
    fake.fail_next("chat.postMessage", status=500, times=4)  # as many as one delivery run tries
    assert slack.command(NEW)["text"].startswith("Registered *GL-1*")
    row = outbox(gl, "announce:")
    assert row.status == "pending" and row.next_attempt_at > clock.now() and row.error == "http 500"
    assert [c.failed for c in posts_to(fake, "CGENERAL")] == [True] * 4
    assert [c.failed for c in posts_to(fake, "UALICE")] == [False]  # the others were not held up

    gl.deliver()  # too early: nothing is tried
    assert len(posts_to(fake, "CGENERAL")) == 4
    fake.fail_next("chat.postMessage", status=500)  # the fifth
    clock.advance(seconds=(row.next_attempt_at - clock.now()).total_seconds())
    gl.deliver()
    assert [c.failed for c in posts_to(fake, "CGENERAL")] == [True] * 5 + [False]
    assert outbox(gl, "announce:").status == "sent"
    clock.advance(hours=1)
    gl.deliver()
    assert len(posts_to(fake, "CGENERAL")) == 6  # delivered once


def test_a_deactivated_recipient_is_reported_to_the_owner_not_retried(gl, slack, fake, clock):
    slack.command(NEW)
    fake.add_user("UALICE", name="alice", deleted=True)  # deactivated after registration
    fake.clear()
    assert slack.command("withdraw GL-1 merged", user="UOWNER")["text"].startswith("GL-1 is withdrawn")

    (attempt,) = posts_to(fake, "UALICE")  # exactly one call: no retry loop
    with gl.transaction() as s:
        row = s.scalar(
            select(OutboxMessage).where(
                OutboxMessage.recipient == "UALICE", OutboxMessage.key.like("no-answer-needed:%")
            )
        )
        assert (row.status, row.error) == ("undeliverable", "user_not_found")
        assert s.scalar(select(Event).where(Event.kind == "undeliverable")).data["to"] == "UALICE"
    (told,) = slack.dms("UOWNER")
    assert "could not deliver a message about *GL-1* to <@UALICE> (user_not_found)" in text_of(told)
    assert len(posts_to(fake, "UOTHER")) == 1  # others still got theirs

    clock.advance(days=1)
    gl.deliver()
    assert len(posts_to(fake, "UALICE")) == 1


def test_a_channel_the_bot_cannot_post_in_is_reported_to_the_owner(gl, slack, fake):
    fake.add_channel("CPRIVATE", is_member=False)
    slack.command(NEW + " in <#CPRIVATE|private>")
    assert len(posts_to(fake, "CPRIVATE")) == 1
    assert outbox(gl, "announce:").status == "undeliverable"
    (told,) = slack.dms("UOWNER")
    assert "to <#CPRIVATE> (not_in_channel)" in text_of(told) and "check that I can post there" in text_of(told)

    assert len(fake.calls("conversations.join")) == 1  # tried once (without channels:join: missing_scope)


def test_a_public_channel_the_bot_is_not_in_is_joined_and_the_post_arrives(gl, slack, fake):
    fake.grant("channels:join")
    fake.add_channel("CPUBLIC", is_member=False)
    slack.command(NEW + " in <#CPUBLIC|public>")
    assert len(posts_to(fake, "CPUBLIC")) == 2  # refused (not_in_channel), joined, posted
    assert len(fake.posted("CPUBLIC")) == 1 and len(fake.calls("conversations.join")) == 1
    assert outbox(gl, "announce:").status == "sent"
    assert not slack.dms("UOWNER")


# ---- 1. every Slack answer is classified: nothing is dropped because Slack had a bad minute --------------------

# Wednesday 9 December 2026, 10:30 in Berlin: the first nudge of what was registered on Monday is due.
DUE = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
BERLIN_PAIR = "new Training plan approvers <@UALICE> <@UOTHER> sponsor <@USPONSOR>"  # both at work at DUE


@pytest.mark.parametrize(
    "error", ["internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"]
)
def test_a_transient_ok_false_error_is_retried_and_the_message_arrives_once(gl, slack, fake, clock, error):
    fake.fail_next("chat.postMessage", error=error, times=4)  # as many as one delivery run tries
    slack.command(NEW)
    row = outbox(gl, "announce:")
    assert (row.status, row.error) == ("pending", error) and row.next_attempt_at > clock.now()

    clock.advance(seconds=(row.next_attempt_at - clock.now()).total_seconds())
    gl.deliver()
    assert [c.failed for c in posts_to(fake, "CGENERAL")] == [True] * 4 + [False]
    assert outbox(gl, "announce:").status == "sent"
    assert not slack.dms("UOWNER")  # the owner is not told of a recipient problem: there is none


def rows(gl) -> list[OutboxMessage]:
    with gl.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def paused(gl) -> tuple:
    with gl.transaction() as s:
        ws = s.get(Workspace, "T1")
        return ws.delivery_paused_at, ws.delivery_paused_reason


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_authed", "account_inactive"])
def test_a_refused_token_pauses_the_workspace_keeps_every_message_and_resumes_when_auth_works(
    gl, slack, fake, clock, caplog, error
):
    slack.command(BERLIN_PAIR)
    fake.clear()
    fake.break_token(error)
    clock.set(DUE)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        sweep(gl)  # both nudges due: the first is refused, the second not even tried
        clock.advance(seconds=30)
        sweep(gl)  # paused: nothing is sent, and auth.test is asked at most once a minute

    assert len(fake.calls("chat.postMessage")) == 1 and not fake.calls("auth.test")
    nudge_rows = [m for m in rows(gl) if m.key.startswith("nudge:")]
    assert [(m.recipient, m.status) for m in nudge_rows] == [("UALICE", "pending"), ("UOTHER", "pending")]
    assert paused(gl)[0] == DUE and paused(gl)[1] == error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "paused" in errors[0].getMessage() and error in errors[0].getMessage()

    clock.advance(seconds=31)
    sweep(gl)  # a minute later: auth.test is tried, still refused
    assert len(fake.calls("auth.test")) == 1 and paused(gl)[0] == DUE

    fake.fix_token()
    clock.advance(minutes=1)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        sweep(gl)
    assert paused(gl) == (None, None)
    assert any("resumed" in r.getMessage() for r in caplog.records)
    assert (
        len(fake.posted("DUALICE")) == len(fake.posted("DUOTHER")) == 2
    )  # sign-off request, then the nudge, once each
    assert all(m.status == "sent" for m in rows(gl))
    assert not slack.dms("UOWNER")  # the recipients are fine: nobody is told they cannot be reached
    with gl.transaction() as s:  # and their reminders go on (account_inactive named our token, not them)
        assert all(a.next_nudge_at for a in s.scalars(select(Approval)))


# ---- 2. a sender that lost its claim does not send ---------------------------------------------------------------


SIX = [f"UAPPROVER{n}" for n in range(6)]


def six_approvers(slack, fake) -> None:
    """Three initiatives, each with two of six approvers in Berlin: six reminders due at DUE, one for each person
    (one reminder a day combines a person's reminders into one DM)."""
    for user in SIX:
        fake.add_user(user)
    for i in range(3):
        slack.command(f"new Plan {i} approvers <@{SIX[2 * i]}> <@{SIX[2 * i + 1]}> sponsor <@USPONSOR>")


def test_a_slow_sender_whose_lease_expired_does_not_send_what_another_sender_took_over(gl, db, slack, fake, clock):
    fake.grant(*HISTORY_SCOPES)
    six_approvers(slack, fake)
    clock.set(DUE)
    queue_due(gl)  # the nudges of 3 initiatives x 2 approvers
    fake.clear()
    fake.delay_next("chat.postMessage", 1.0)  # the first sender's first post hangs (Slack has it already)
    first = threading.Thread(target=gl.sender.deliver_due)
    first.start()
    fake.wait_for("chat.postMessage")
    clock.advance(seconds=LEASE.total_seconds() + 60)  # the slow batch outlives its lease...
    other = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    assert other.sender.deliver_due() == 6  # ...so another sender takes all six over
    first.join(10)

    sent = Counter(c.args["channel"] for c in fake.calls("chat.postMessage") if not c.failed)
    assert sent == dict.fromkeys(SIX, 1), sent  # each nudge once: the first sender sent nothing it had lost
    assert all(m.status == "sent" for m in rows(gl))
    assert all(len(fake.posted("D" + u)) == 1 + 1 for u in SIX)  # the sign-off request and the nudge


# ---- 3. a post Slack accepted but answered too late is found, not repeated ---------------------------------------


def test_a_post_answered_after_the_client_timeout_is_found_in_the_conversation_not_sent_again(db, fake, clock):
    fake.grant(*HISTORY_SCOPES)
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None, slack_timeout=0.3)
    slack = SlackDriver(gl, fake, SIGNING_SECRET)
    fake.delay_next("chat.postMessage", 1.0)  # the announcement is posted, the answer comes after the timeout
    slack.command(NEW)

    (posted,) = fake.posted("CGENERAL")
    assert "registered *GL-1* Training plan" in text_of(posted)
    assert posted["metadata"]["event_type"] == "greenlight_outbox"
    assert posted["metadata"]["event_payload"]["key"] == outbox(gl, "announce:").key
    row = outbox(gl, "announce:")
    assert (row.status, row.channel, row.ts) == ("sent", "CGENERAL", posted["ts"])
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == ["CGENERAL"]
    assert len(fake.posted("DUALICE")) == len(fake.posted("DUOTHER")) == 1


def test_a_dm_whose_answer_was_lost_is_looked_up_in_the_dm_conversation(db, fake, clock):
    fake.grant(*HISTORY_SCOPES)
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None, slack_timeout=0.3)
    slack = SlackDriver(gl, fake, SIGNING_SECRET)
    slack.command(NEW)
    fake.clear()
    clock.set(DUE)
    fake.delay_next("chat.postMessage", 1.0)
    sweep(gl)
    assert len(fake.posted("DUALICE")) == 2  # the sign-off request, then one nudge
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == ["DUALICE"]
    assert all(m.status == "sent" for m in rows(gl))


def test_without_the_history_scopes_a_post_whose_answer_was_lost_is_sent_again_not_lost(db, fake, clock, caplog):
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None, slack_timeout=0.3)
    slack = SlackDriver(gl, fake, SIGNING_SECRET)
    fake.delay_next("chat.postMessage", 1.0)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        slack.command(NEW)
    assert len(fake.posted("CGENERAL")) == 2  # at least once: the app installed without them cannot look
    assert any("cannot look it up (missing_scope)" in r.getMessage() for r in caplog.records)
    assert outbox(gl, "announce:").status == "sent"


# ---- 4. requests never wait for delivery ---------------------------------------------------------------------


def test_commands_are_answered_while_slack_rate_limits_every_post(db, fake, clock):
    """chat.postMessage answers 429 Retry-After 4 to everything: five registrations used to hold all of Bolt's
    listener threads while delivery waited it out inline, and every later command went unanswered."""
    stopping = threading.Event()
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=stopping.wait)
    app = build_app(gl)  # as in production: ack first, the listener in Bolt's pool
    gl.worker.start()
    fake.fail_next("chat.postMessage", status=429, retry_after=4, times=10_000)
    try:
        statuses = []
        for i in range(8):  # one after the other: each one's messages wait for Slack on their own
            statuses.append(dispatch(app, f"new Plan {i} approvers <@UALICE> sponsor <@USPONSOR>", fake, f"new-{i}"))
            wait_for_reply(fake, f"new-{i}")
            time.sleep(0.2)
        started = time.monotonic()
        for i in range(10):
            statuses.append(dispatch(app, "list", fake, f"list-{i}"))
        assert statuses == [200] * 18  # each acknowledged within Bolt's 3 s
        assert time.monotonic() - started < 10
        for i in range(10):  # and answered
            wait_for_reply(fake, f"list-{i}")
        assert "Plan 7" in text_of(wait_for_reply(fake, "list-9"))
    finally:
        stopping.set()
        gl.worker.stop()
    assert not [c for c in fake.calls("chat.postMessage") if not c.failed]  # Slack took nothing...
    assert {m.status for m in rows(gl)} == {"pending"}  # ...and nothing was dropped


def test_the_delivery_worker_sends_what_a_request_queued(db, fake, clock):
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    app = build_app(gl, process_before_response=True)
    gl.worker.start()
    try:
        assert dispatch(app, NEW, fake, "new") == 200
        fake.wait_for("chat.postMessage", count=3)  # announcement and two sign-off requests, by the worker
    finally:
        gl.worker.stop()
    assert {m.status for m in rows(gl)} == {"sent"}


def dispatch(app, text: str, fake, name: str) -> int:
    """One signed /greenlight command straight into the Bolt app (no delivery afterwards, unlike SlackDriver)."""
    body = command_body(text, "UOWNER", "CGENERAL", fake.response_url(name))
    return app.dispatch(BoltRequest(body=body, headers=signed_headers(body, SIGNING_SECRET, FORM))).status


def wait_for_reply(fake, name: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = [c.args for c in fake.calls("response_url") if c.args.get("_name") == name]
        if replies:
            return replies[-1]
        time.sleep(0.02)
    raise AssertionError(f"no reply to {name}")


def test_a_slow_batch_renews_its_lease_so_another_sender_finds_nothing_to_take(gl, db, slack, fake, clock):
    six_approvers(slack, fake)
    clock.set(DUE)
    queue_due(gl)
    fake.clear()
    other = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    taken = []

    def slow_post(*args, **kwargs):  # each post takes 2 minutes; halfway through the batch, another sender tries
        clock.advance(minutes=2)
        if len(fake.calls("chat.postMessage")) == 3:
            taken.append(other.sender.deliver_due())
        return real_post(*args, **kwargs)

    real_post, gl.sender_client.chat_postMessage = gl.sender_client.chat_postMessage, slow_post
    assert gl.sender.deliver_due() == 6  # 12 minutes for a batch claimed under a 5-minute lease
    assert taken == [0]  # the rest of the batch was still ours
    assert all(len(fake.posted("D" + u)) == 1 + 1 for u in SIX)


def test_a_hundred_list_commands_to_the_app_process_are_all_answered_while_slack_fails():
    """`python app.py` over HTTP, chat.postMessage answering 500 throughout (bench/slack_down.py, untimed here)."""
    out = measure(seconds=60, commands=100, concurrency=4, window=10)
    assert [status for status, _, _ in out.lists] == [200] * 100
    assert all(reply is not None for _, _, reply in out.lists)  # and each got its ephemeral answer
    assert out.still_failing and out.failed_posts > 0  # all of it while Slack was failing
