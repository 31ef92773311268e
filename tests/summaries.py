"""Weekly summaries in tests: initiatives registered in a channel, the moments of the calendar, and the
summaries the fake Slack received."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import Initiative
from tests.facts import of_kind, references

FAR = "by 2027-01-29"


def at(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def new(slack, title, approvers, channel="CPLANS", user="UOWNER") -> int:
    people = " ".join(f"<@{a}|{a.lower()}>" for a in approvers)
    reply = slack.command(f"new {title} approvers {people} sponsor <@USPONSOR|s> {FAR}", user=user, channel=channel)
    reference = references(reply["text"])[0]
    with slack.gl.transaction() as s:
        assert s.scalar(select(Initiative.title).where(Initiative.number == int(reference[3:]))), reply
    return int(reference[3:])


def summaries(gl, fake, channel=None) -> list[dict]:
    """Main summary messages posted at the fake Slack (not thread replies)."""
    return of_kind(
        gl,
        [
            c.args
            for c in fake.calls("chat.postMessage")
            if (channel is None or c.args.get("channel") == channel) and not c.args.get("thread_ts")
        ],
        "summary",
    )
