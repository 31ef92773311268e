"""Analytics: /greenlight stats, and the monthly chart in the summary's thread."""

from __future__ import annotations

from tests.slack_driver import text_of
from tests.story import proceeded_and_reported as story
from tests.summaries import at, new, summaries

OTHER = "new Laptop refresh approvers <@UALICE|a> sponsor <@USPONSOR|s> in <#CGENERAL>"


def test_stats_give_time_to_decision_per_approver_the_sponsor_share_and_reports(slack, gl, fake, clock):
    story(slack, gl, fake, clock)  # GL-1: Alice answers after 3 hours, Bob never; the sponsor proceeds; reported
    slack.command(OTHER)
    clock.advance(days=1)
    slack.command("approve GL-2", user="UALICE")  # Thursday 17 December 12:00 → Friday 12:00 Berlin: one business day
    text = text_of(slack.command("stats 30", user="UOWNER"))
    assert "Greenlight stats: the last 30 days" in text
    assert "Registered: *2* initiatives" in text
    # GL-1: Tue 8 Dec 10:00 → Mon 14 Dec 13:00 Berlin = 4 days 3 hours (Tue 14h + Wed-Fri + Mon 13h); GL-2: 1 day
    assert (
        "Time to decision (approved, rejected or the sponsor's go-ahead): median *2.6 business days*, "
        "90th percentile 4.1 business days (2)" in text
    )
    assert "Needed the sponsor: 1 of 2 (50%)" in text
    assert "Proceeded and reported: 1 proceeded; 1 reported on time, 0 late" in text
    assert "<@UALICE>: median *0.6 business days*, 90th percentile 1.0 business day (2)" in text
    assert "<@UBOB>" not in text  # never answered: no time to answer yet

    slack.command("settings summary-names off", user="UADMIN")
    text = text_of(slack.command("stats 30", user="UOWNER"))
    assert "<@" not in text and "Names are off" in text
    assert "*Time to answer, all approvers*: median *0.6 business days*" in text


def test_stats_refuse_other_periods(slack):
    assert "Stats cover the last 30, 90 or 365 days" in slack.command("stats 7")["text"]


def test_the_first_monday_of_a_month_puts_a_chart_in_the_summarys_thread_and_no_other_monday(slack, gl, fake, clock):
    import struct

    from sqlalchemy import select

    from bot.jobs import sweep
    from storage.models import OutboxMessage

    new(slack, "Rollout", ["UALICE", "UBOB"])
    clock.advance(hours=5)
    slack.command("approve GL-1", user="UALICE")
    for day in (14, 21, 28):  # Mondays of December after the first: summaries, no chart
        clock.set(at(2026, 12, day, 8, 5))  # 09:05 Berlin
        sweep(gl)
    assert len(summaries(gl, fake, "CPLANS")) == 3 and fake.uploaded() == []

    clock.set(at(2027, 1, 4, 8, 5))  # Monday 4 January 2027: the first Monday of the month
    sweep(gl)
    [chart] = fake.uploaded()
    with gl.transaction() as s:
        summary_ts = s.scalar(select(OutboxMessage.ts).where(OutboxMessage.key == "summary:CPLANS:2027-W01"))
    assert (chart["channel_id"], chart["thread_ts"]) == ("CPLANS", summary_ts)
    assert chart["filename"] == "greenlight-waits-2027-01.png"
    png = chart["content"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (900, 600)  # 9 x 6 inches at 100 dpi
    assert 15_000 < len(png) < 400_000

    sweep(gl)  # once per month: a second sweep uploads nothing more
    clock.set(at(2027, 1, 11, 8, 5))
    sweep(gl)
    assert len(fake.uploaded()) == 1 and len(summaries(gl, fake, "CPLANS")) == 5


def test_a_chart_that_slack_refuses_for_a_while_is_uploaded_later(slack, gl, fake, clock):
    from bot.jobs import sweep

    new(slack, "Rollout", ["UALICE"])
    fake.fail_next("files.getUploadURLExternal", status=500, times=4)  # every inline try of the first sweep
    clock.set(at(2027, 1, 4, 8, 5))
    sweep(gl)
    assert fake.uploaded() == []
    clock.advance(hours=1)
    sweep(gl)
    assert len(fake.uploaded()) == 1
