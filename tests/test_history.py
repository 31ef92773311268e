"""The audit trail, readable: show pages through the whole history; settings history says who changed what."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from storage.models import Event, Initiative
from tests.slack_driver import buttons, text_of


def test_show_pages_through_the_whole_history_with_older_events(slack, gl, fake):
    slack.command("new Long story approvers <@UALICE> sponsor <@USPONSOR>")

    def lots(session, now):
        ini = session.scalar(select(Initiative))
        for n in range(700):  # long comments: far more than one message of 50 blocks can hold
            session.add(
                Event(
                    team_id="T1",
                    initiative_id=ini.id,
                    actor_id="UALICE",
                    kind="snoozed",
                    data={"comment": f"note {n:03d} " + "x" * 180},
                    at=now + timedelta(minutes=n),
                )
            )

    gl.act(lots)

    reply = slack.command("show GL-1")
    seen = re.findall(r"note (\d{3})", text_of(reply))
    assert seen[-1] == "699" and seen == sorted(seen)  # the newest events, in order
    assert ("Older events", "older_events") in buttons(reply)
    pages = [seen]
    message = reply
    while ("Older events", "older_events") in buttons(message):
        value = [e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]][0]
        message = slack.click("older_events", value, "UOWNER")
        pages.append(re.findall(r"note (\d{3})", text_of(message)))
    every = [n for page in reversed(pages) for n in page]
    assert every == [f"{n:03d}" for n in range(700)]  # each event exactly once, nothing cut
    assert "registered it" in text_of(message)  # the last page reaches the very first event
    # every message stayed within Slack's limits (checked when the fake stops)

    history = slack.command("show GL-1 history")
    assert "GL-1 history" in text_of(history) and "note 699" in text_of(history)


def test_older_events_are_refused_to_someone_who_may_not_see_the_initiative(slack, fake):
    fake.add_user("UOUTSIDER")
    slack.command("new Plan approvers <@UALICE> sponsor <@USPONSOR>")
    reply = slack.click("older_events", "1:999", "UOUTSIDER")
    assert reply["text"] == "That initiative does not exist in this workspace."


def test_settings_history_lists_who_changed_which_setting_when_from_what_to_what(slack, clock):
    slack.command("settings deadline 15", user="UADMIN")
    clock.advance(hours=2)
    slack.command("settings summary-names off", user="UADMIN")
    text = text_of(slack.command("settings history", user="UALICE"))
    assert text.index("changed `summary-names` from *on* to *off*") < text.index("changed `deadline`")
    assert "Mon 7 Dec 2026 12:00 · <@UADMIN> changed `summary-names` from *on* to *off*" in text
    assert "Mon 7 Dec 2026 10:00 · <@UADMIN> changed `deadline` from *10 business days* to *15 business days*" in text
