"""Away (SPEC §3): `/greenlight me away until …` (or the App Home's form) pauses a person's reminders; the owner is
told once; reminders resume on their return, in their working hours; bad input changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.calendar import zone
from storage.models import Absence, Event
from tests.facts import days, live_buttons, mentions, of_kind, references
from tests.slack_driver import buttons, text_of
from tests.story import counts, homes, open_home, run_for

BERLIN = zone("Europe/Berlin")
ROLLOUT = "new Rollout approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2027-01-08"


def nudge_days(gl, sent, user):
    """The local dates (Berlin) on which this user got a scheduled reminder."""
    nudges = of_kind(gl, [m for _, channel, m in sent if channel == user], "nudge", "lastcall", "reminders")
    return [at.astimezone(BERLIN) for at, channel, m in sent if channel == user and any(m is n for n in nudges)]


def test_an_approver_away_without_a_delegate_gets_no_nudges_the_owner_is_told_once_and_nudges_resume(
    slack, gl, fake, clock
):
    assert references(slack.command(ROLLOUT)["text"]) == ["GL-1"]
    clock.advance(days=1)  # Tuesday 8 December: Alice goes away until Friday 18 December
    reply = slack.command("me away until 2026-12-18", user="UALICE")["text"]
    assert "Fri 18 Dec 2026" in days(reply) and "Mon 21 Dec 2026" in days(reply) and "GL-1" in references(reply)

    sent = run_for(gl, fake, clock, days=16)  # to Thursday 24 December
    alice = nudge_days(gl, sent, "UALICE")
    assert alice and all(at.date() >= date(2026, 12, 21) for at in alice)  # nothing while away
    assert (alice[0].date(), alice[0].hour) == (date(2026, 12, 21), 9)  # back on Monday, at the start of her day
    assert [at.date() for at in nudge_days(gl, sent, "UOTHER")][:2] == [date(2026, 12, 9), date(2026, 12, 11)]

    told = of_kind(gl, slack.dms("UOWNER"), "away-owner")
    assert len(told) == 1  # once, however many reminders she missed
    assert mentions(text_of(told[0]))[0] == "UALICE" and "Mon 21 Dec 2026" in days(text_of(told[0]))
    assert ("Extend", "extend") in buttons(told[0])

    shown = slack.command("me", user="UALICE")["text"]
    assert "Going away?" in shown  # the absence is over


def test_away_off_ends_it_and_the_owner_of_a_later_initiative_is_told_at_registration(slack, gl, fake, clock):
    slack.command("me away until 2026-12-18", user="UALICE")
    assert "Fri 18 Dec 2026" in days(slack.command("me", user="UALICE")["text"])
    slack.command(ROLLOUT)  # registered while she is away: her request waits for her return
    assert not of_kind(gl, slack.dms("UALICE"), "request")
    assert len(of_kind(gl, slack.dms("UOWNER"), "away-owner")) == 1

    clock.advance(days=1)
    assert "Welcome back" in slack.command("me away off", user="UALICE")["text"]
    run_for(gl, fake, clock, days=1 / 24)
    assert len(of_kind(gl, slack.dms("UALICE"), "request")) == 1  # now that she is back
    assert "not marked as away" in slack.command("me away off", user="UALICE")["text"]


def test_bad_away_input_is_refused_and_nothing_is_written(slack, gl, fake):
    fake.add_user("UANNA", name="anna")
    slack.command(ROLLOUT)  # Alice approves GL-1, owned by UOWNER and sponsored by USPONSOR
    before = counts(gl)
    refusals = {
        "me away until 2026-12-01": "in the past",
        "me away until 2026-12-18 delegate <@UROBOT|robot>": "bots, deactivated",
        "me away until 2026-12-18 delegate <@UGONE|gone>": "bots, deactivated",
        "me away until 2026-12-18 delegate <@UOWNER|owner>": "they own GL-1",
        "me away until 2026-12-18 delegate <@USPONSOR|sponsor>": "they sponsor GL-1",
        "me away until 2026-12-18 delegate <@UOTHER|other>": "two sign-offs",
        "me away until 2026-12-18 delegate <@UALICE|alice>": "yourself",
        "me away until 2028-12-18": "more than a year",
        "me away until 18/12/2026": "not a date",
        "me away next week": "Usage",
        "me away until 2026-12-18 delegate anna": "@mention",
    }
    for text, problem in refusals.items():
        reply = slack.command(text, user="UALICE")["text"]
        assert problem in reply, (text, reply)
    assert counts(gl) == before
    with gl.transaction() as s:
        assert s.scalar(select(func.count(Absence.id))) == 0


def test_the_app_home_form_sets_and_ends_an_absence(slack, gl, fake):
    from tests.story import open_home

    open_home(slack, "UALICE")
    slack.click("my_calendar", "me", "UALICE")
    view = fake.calls("views.open")[-1].args["view"]
    assert {"away-until", "delegate"} <= {b.get("block_id") for b in view["blocks"]}

    answer = slack.submit(
        view,
        {
            "away-until": {"type": "datepicker", "selected_date": "2026-12-18"},
            "delegate": {"type": "users_select", "selected_user": "UROBOT"},
        },
        "UALICE",
    )
    assert "bots, deactivated" in answer.body and "delegate" in answer.body  # shown on the delegate's field
    answer = slack.submit(view, {"away-until": {"type": "datepicker", "selected_date": "2026-12-18"}}, "UALICE")
    assert answer.body == ""
    with gl.transaction() as s:
        assert s.scalar(select(func.count(Absence.id))) == 1
        assert s.scalar(select(Event.kind).where(Event.kind == "away")) == "away"

    slack.click("my_calendar", "me", "UALICE")
    again = fake.calls("views.open")[-1].args["view"]
    picker = next(b for b in again["blocks"] if b.get("block_id") == "away-until")
    assert picker["element"]["initial_date"] == "2026-12-18"
    slack.submit(again, {}, "UALICE")  # the date emptied: back
    assert "Going away?" in slack.command("me", user="UALICE")["text"]


def test_a_slack_vacation_status_with_an_expiration_counts_as_away_until_then(slack, gl, fake, clock):
    from datetime import UTC, datetime

    slack.command(ROLLOUT)  # Monday: both approvers' profiles are read
    back = datetime(2026, 12, 18, 17, 0, tzinfo=UTC)  # Friday 18:00 in Berlin
    fake.set_status("UALICE", "Vacation in the mountains", ":palm_tree:", back.timestamp())
    fake.set_status("UOTHER", "Vacation", "", 0)  # no expiration: not counted
    sent = run_for(gl, fake, clock, days=17)  # the profiles are read again a day later, at most daily

    alice = nudge_days(gl, sent, "UALICE")
    assert alice and (alice[0].date(), alice[0].hour) == (date(2026, 12, 21), 9)  # back after the weekend
    assert nudge_days(gl, sent, "UOTHER")[0].date() == date(2026, 12, 9)
    assert len(of_kind(gl, slack.dms("UOWNER"), "away-owner")) == 1
    assert len([c for c in fake.calls("users.info") if c.args["user"] == "UALICE"]) <= 18  # at most daily
    with gl.transaction() as s:
        [absence] = s.scalars(select(Absence)).all()
        assert (absence.user_id, absence.source, absence.ends_at) == ("UALICE", "status", back)


def test_the_away_words_are_a_workspace_setting(slack, gl, fake, clock):
    reply = slack.command("settings away-words Sabbatical, :desert_island:", user="UOPS")["text"]
    assert "sabbatical, :desert_island:" in reply
    slack.command(ROLLOUT)
    fake.set_status("UALICE", "On vacation", ":palm_tree:", (clock.now().timestamp() + 30 * 86400))
    fake.set_status("UOTHER", "Sabbatical", "", (clock.now().timestamp() + 30 * 86400))
    sent = run_for(gl, fake, clock, days=3)
    assert nudge_days(gl, sent, "UALICE") and not nudge_days(gl, sent, "UOTHER")
    assert "Name at least one" in slack.command("settings away-words ,", user="UOPS")["text"]


def test_an_approver_away_a_week_with_a_delegate_the_delegate_approves_and_the_record_shows_both(
    slack, gl, fake, clock
):
    tokyo = zone("Asia/Tokyo")
    slack.command(ROLLOUT)
    clock.advance(days=1)  # Tuesday: Alice is away for a week; Carol, in Tokyo, stands in for her
    reply = slack.command("me away until 2026-12-15 delegate <@UCAROL|carol>", user="UALICE")["text"]
    assert "UCAROL" in mentions(reply) and "GL-1" in references(reply)
    assert not of_kind(gl, slack.dms("UOWNER"), "away-owner")  # someone stands in: nothing waits

    sent = run_for(gl, fake, clock, days=3)  # to Friday 11 December
    [request] = of_kind(gl, slack.dms("UCAROL"), "delegated")  # 18:00 in Tokyo: held for her morning
    assert {"UALICE", "UOWNER"} <= set(mentions(text_of(request))) and ("Approve", "approve") in buttons(request)
    carol = [(at, m) for at, channel, m in sent if channel == "UCAROL"]
    assert len(carol) >= 2  # the request, and a reminder
    assert carol and not nudge_days(gl, sent, "UALICE")  # the reminders go to her delegate …
    for at, m in carol:  # … in the delegate's working hours
        assert 9 <= at.astimezone(tokyo).hour < 17 and at.astimezone(tokyo).weekday() < 5
        assert "UALICE" in mentions(text_of(m))

    assert "for <@UALICE>" in slack.click("approve", "1", "UCAROL")["text"]
    story = text_of(slack.command("show GL-1", user="UOTHER"))
    assert "<@UCAROL> for <@UALICE> approved" in story  # the record names both
    with gl.transaction() as s:
        approved = s.scalar(select(Event).where(Event.kind == "approved"))
        assert (approved.actor_id, approved.data["for"]) == ("UCAROL", "UALICE")
    assert "nothing changed" in slack.click("approve", "1", "UCAROL")["text"]  # a second click counts once

    run_for(gl, fake, clock, days=5)  # Alice is back on Wednesday 16 December
    [welcome] = of_kind(gl, slack.dms("UALICE"), "welcome-back")
    assert mentions(text_of(welcome)) == ["UCAROL"] and "GL-1" in references(text_of(welcome))
    assert [r for r in live_buttons(gl) if r[0] in ("UALICE", "UCAROL")] == []  # her buttons and Carol's are spent


def test_delegation_does_not_chain_a_delegate_away_too_means_the_owner_is_told(slack, gl, fake, clock):
    slack.command(ROLLOUT)
    slack.command("me away until 2026-12-18 delegate <@UCAROL|carol>", user="UALICE")
    slack.command("me away until 2026-12-31", user="UCAROL")  # then Carol goes away too
    sent = run_for(gl, fake, clock, days=3)
    assert not nudge_days(gl, sent, "UALICE") and not nudge_days(gl, sent, "UCAROL")
    assert len(of_kind(gl, slack.dms("UOWNER"), "away-owner")) == 1
    refused = slack.command("approve GL-1", user="UCAROL")["text"]
    assert "Only the approvers" in refused


def blockers(slack) -> list[tuple[str, str]]:
    """(person, wait as written) of each line of the summary's blocker ranking, in rank order."""
    import re

    text = text_of(slack.command("summary"))
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^\d+\. <@(\w+)>: (.+?) of waiting on", text, re.M)]


def test_the_ranking_does_not_count_days_away_without_a_delegate_and_show_says_away_until(slack, gl, fake, clock):
    slack.command(ROLLOUT)
    clock.advance(days=1)  # Tuesday 10:00: Alice away through Friday, nobody standing in
    slack.command("me away until 2026-12-11", user="UALICE")
    shown = text_of(slack.command("show GL-1"))
    assert [line for line in shown.split("\n") if "<@UALICE> pending" in line and "away until Fri 11 Dec 2026" in line]
    run_for(gl, fake, clock, days=8)  # Wednesday 16 December, 10:00
    # Both were asked 7 business days ago; Alice was away for 3 days and 14 hours of them.
    assert blockers(slack) == [("UOTHER", "7 business days"), ("UALICE", "3 business days")]
    assert "away until" not in text_of(slack.command("show GL-1"))  # she is back


ESCALATING = "new Vendor switch approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-11"


def test_a_sponsor_away_at_the_deadline_is_asked_on_return(slack, gl, fake, clock):
    slack.command(ESCALATING)
    slack.command("me away until 2026-12-16", user="USPONSOR")  # the deadline passes on Friday 11 December
    sent = run_for(gl, fake, clock, days=7)  # Monday 14 December: escalated, the sponsor still away
    assert not of_kind(gl, slack.dms("USPONSOR"), "escalation")
    [told] = of_kind(gl, slack.dms("UOWNER"), "escalated-owner")
    assert "Thu 17 Dec 2026" in days(text_of(told)) and "USPONSOR" in mentions(text_of(told))

    sent = run_for(gl, fake, clock, days=4)  # to Friday 18 December
    asked = [(at, m) for at, channel, m in sent if channel == "USPONSOR" and m in of_kind(gl, [m], "escalation")]
    assert len(asked) == 1
    at = asked[0][0].astimezone(BERLIN)
    assert (at.date(), at.hour) == (date(2026, 12, 17), 9)  # on her return, at the start of her day
    assert not of_kind(gl, slack.dms("USPONSOR"), "sponsor-ask")  # re-asked only after the cadence from then


def test_an_away_sponsors_delegate_gets_the_escalation_and_decides_for_them(slack, gl, fake, clock):
    slack.command(ESCALATING)
    slack.command("me away until 2026-12-31 delegate <@UOTHER|other>", user="USPONSOR")
    run_for(gl, fake, clock, days=7)
    [question] = of_kind(gl, slack.dms("UOTHER"), "escalation")
    assert "USPONSOR" in mentions(text_of(question)) and ("Extend", "extend") in buttons(question)
    assert not of_kind(gl, slack.dms("USPONSOR"), "escalation")
    assert "is proceeding" in slack.command("proceed GL-1 go", user="UOTHER")["text"]
    with gl.transaction() as s:
        proceeded = s.scalar(select(Event).where(Event.kind == "proceeded"))
        assert (proceeded.actor_id, proceeded.data["for"]) == ("UOTHER", "USPONSOR")
    assert "<@UOTHER> decided to proceed and report for <@USPONSOR>" in text_of(slack.command("show GL-1"))
    assert [r for r in live_buttons(gl) if r[0] == "UOTHER"] == []


def test_nothing_reaches_someone_away_not_even_their_digest_it_waits_for_their_return(slack, gl, fake, clock):
    assert references(slack.command(ROLLOUT)["text"]) == ["GL-1"]
    slack.command("me digest on", user="UALICE")
    clock.advance(days=1)  # Tuesday 8 December: Alice goes away until Friday 11 December
    slack.command("me away until 2026-12-11", user="UALICE")
    slack.command("extend GL-1 by 2027-01-15")  # a notice to every approver

    sent = run_for(gl, fake, clock, days=4)  # to Saturday 12 December: nothing while she is away
    assert [m for _, channel, m in sent if channel == "UALICE"] == []
    sent = run_for(gl, fake, clock, days=3)  # back on Monday 14 December: one digest at the start of her day
    got = [(at.astimezone(BERLIN), m) for at, channel, m in sent if channel == "UALICE"]
    monday = [(at, m) for at, m in got if at.date() == date(2026, 12, 14)]
    [(at, digest)] = monday
    assert at.hour == 9 and "new deadline Fri 15 Jan 2027" in text_of(digest) and "digest" in text_of(digest)


def test_a_delegate_finds_what_they_stand_in_for_in_mine_and_their_app_home(slack, gl, fake, clock):
    slack.command(ROLLOUT)
    slack.command("me away until 2026-12-15 delegate <@UCAROL|carol>", user="UALICE")
    mine = text_of(slack.command("mine", user="UCAROL"))
    assert "GL-1" in references(mine) and "<@UALICE> (away; you stand in for them)" in mine
    open_home(slack, "UCAROL")
    home = text_of(homes(fake, "UCAROL")[-1])
    assert "Waiting on <@UALICE>, who is away and for whom you stand in" in home
    assert "GL-1" in references(home) and ("Approve", "approve") in buttons(homes(fake, "UCAROL")[-1])
    published = len(homes(fake, "UCAROL"))
    slack.command("approve GL-1", user="UOTHER")  # a change to what she stands in for: her Home is kept fresh
    assert len(homes(fake, "UCAROL")) > published and "GL-1" in references(text_of(homes(fake, "UCAROL")[-1]))
    slack.command("me away off", user="UALICE")  # back: the slot is hers again, and off Carol's lists
    assert "GL-1" not in references(text_of(slack.command("mine", user="UCAROL")))
