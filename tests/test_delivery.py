"""Outbox delivery: 429 waits for Retry-After, 5xx is retried later, an unreachable recipient is reported to the owner."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.runtime import Greenlight
from storage.models import Event, OutboxMessage
from tests.conftest import SIGNING_SECRET
from tests.conftest import test_config as config_for
from tests.slack_driver import SlackDriver, text_of

NEW = "new Training plan approvers <@UALICE> <@UOTHER> sponsor <@USPONSOR>"


def outbox(gl, key_prefix: str) -> OutboxMessage:
    with gl.transaction() as s:
        return s.scalar(select(OutboxMessage).where(OutboxMessage.key.like(key_prefix + "%")).order_by(OutboxMessage.id))


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
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "UALICE", OutboxMessage.key.like("no-answer-needed:%")))
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
