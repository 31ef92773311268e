"""Quiet hours for every proactive message (SPEC §3): a DM arrives in its recipient's working hours on their
business days, a channel post in the workspace's; a text that names a future step gives its real moment."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.calendar import zone
from storage.models import OutboxMessage
from tests.facts import days, mentions, of_kind, references
from tests.slack_driver import text_of
from tests.story import run_for, set_workspace

BERLIN, LOS_ANGELES, TOKYO = zone("Europe/Berlin"), zone("America/Los_Angeles"), zone("Asia/Tokyo")


def local(at, tz) -> str:
    return at.astimezone(tz).strftime("%a %d %b %H:%M")


def test_sign_off_requests_arrive_when_each_approvers_day_starts(slack, gl, fake, clock):
    # Monday 7 December, 09:00 UTC: 10:00 in Berlin, 01:00 in Los Angeles, 18:00 in Tokyo.
    slack.command("new Rollout approvers <@UALICE|a> <@UBOB|b> <@UCAROL|c> sponsor <@USPONSOR|s> by 2026-12-18")
    sent = run_for(gl, fake, clock, days=1, step_minutes=30)
    arrived = {
        ch: local(at, {"UBOB": LOS_ANGELES, "UCAROL": TOKYO}[ch]) for at, ch, _ in sent if ch in ("UBOB", "UCAROL")
    }
    assert of_kind(gl, slack.dms("UALICE"), "request")  # Berlin is at work: at once
    assert arrived["UBOB"] == "Mon 07 Dec 09:00" and arrived["UCAROL"] == "Tue 08 Dec 09:00"


def test_the_owner_hears_when_the_sponsor_will_really_be_asked(slack, gl, fake, clock):
    slack.command("new Rollout approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-11")
    sent = run_for(gl, fake, clock, days=7)
    # The deadline day ended on Friday at midnight; the sponsor and the owner hear of it on Monday at 09:00.
    [(at, told)] = [(at, m) for at, ch, m in sent if ch == "UOWNER" and m in of_kind(gl, [m], "escalated-owner")]
    assert local(at, BERLIN) == "Mon 14 Dec 09:00"
    assert mentions(text_of(told)) == ["USPONSOR"] and days(text_of(told)) == ["Mon 14 Dec 2026"]
    assert "Mon 14 Dec 2026 at 09:00" in text_of(told)  # not "I asked the sponsor" on Saturday at midnight
    [(asked_at, _)] = [(at, m) for at, ch, m in sent if ch == "USPONSOR" and m in of_kind(gl, [m], "escalation")]
    assert local(asked_at, BERLIN) == "Mon 14 Dec 09:00"


def test_a_channel_post_waits_for_the_workspaces_next_business_day(slack, gl, fake, clock):
    set_workspace(gl, holidays="DE")
    clock.set(datetime(2026, 12, 24, 10, 0, tzinfo=UTC))  # Thursday 24 December, 11:00 in Berlin
    slack.command("new Rollout approvers <@UALICE|a> sponsor <@USPONSOR|s> in 5 days")
    clock.set(datetime(2026, 12, 25, 10, 0, tzinfo=UTC))  # Christmas Day, a public holiday in Germany
    assert references(slack.command("withdraw GL-1 merged", user="UOWNER")["text"]) == ["GL-1"]
    assert not [m for m in slack.posts("CGENERAL") if "merged" in text_of(m)]
    with gl.transaction() as s:
        held = s.scalar(select(OutboxMessage.next_attempt_at).where(OutboxMessage.key.like("withdrawn-note:%")))
    assert local(held, BERLIN) == "Mon 28 Dec 09:00"  # Saturday, Sunday and Boxing Day are not business days
    sent = run_for(gl, fake, clock, days=4)
    [(at, _)] = [(at, m) for at, ch, m in sent if ch == "CGENERAL" and "merged" in text_of(m)]
    assert local(at, BERLIN) == "Mon 28 Dec 09:00"
