"""Analytics: /greenlight stats, and the monthly chart in the summary's thread."""
from __future__ import annotations

from tests.slack_driver import text_of
from tests.test_export import story

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
    assert "Time to decision (approved, rejected or the sponsor's go-ahead): median *2.6 business days*, " \
           "90th percentile 4.1 business days (2)" in text
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
