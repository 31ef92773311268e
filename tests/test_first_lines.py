"""Every message says what it is in its notification text (its first line): a reminder, a last call, a
deadline passed, proceeding, a report; never just the initiative's title."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import OutboxMessage
from tests.story import run_for


def test_each_kind_of_message_has_its_own_first_line(slack, gl, fake, clock):
    slack.command("new Vendor switch approvers <@UALICE|a> <@UOTHER|o> sponsor <@USPONSOR|s> by 2026-12-11")
    run_for(gl, fake, clock, days=7)  # reminders, the last call, the deadline, the sponsor asked on Monday
    slack.command("approve GL-1", user="UALICE")
    slack.command("proceed GL-1", user="USPONSOR")
    slack.command("report GL-1 It went well", user="UOWNER")
    run_for(gl, fake, clock, days=1)
    with gl.transaction() as s:
        rows = s.execute(
            select(OutboxMessage.key, OutboxMessage.payload).where(OutboxMessage.method == "chat.postMessage")
        ).all()
    first_lines: dict[str, set[str]] = {}
    for key, payload in rows:
        first_lines.setdefault(key.split(":")[0], set()).add(payload["text"])
    assert {
        "nudge",
        "lastcall",
        "escalation",
        "escalated-owner",
        "proceed-owner",
        "proceed-approver",
        "proceed-note",
        "report",
        "report-note",
        "approval",
        "sponsor",
        "request",
        "announce",
    } <= set(first_lines)
    for kind, texts in first_lines.items():
        for text in texts:
            assert text.startswith("GL-1") or kind == "summary", (kind, text)  # the summary says its week
            assert text != "GL-1: Vendor switch", (kind, text)  # says what it is, not only which one
    # Kinds addressed to different people may read alike (the report, in the channel and by DM); no two
    # kinds a person could confuse share a first line.
    distinct = [
        "nudge",
        "lastcall",
        "escalation",
        "escalated-owner",
        "proceed-owner",
        "proceed-approver",
        "approval",
        "sponsor",
        "request",
    ]
    assert len(set().union(*(first_lines[k] for k in distinct))) == sum(len(first_lines[k]) for k in distinct)
    [owner_told] = first_lines["escalated-owner"]
    assert "deadline passed, 2 of 2 sign-offs missing" in owner_told and "Mon 14 Dec 09:00" in owner_told
