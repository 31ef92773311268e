"""The Slack limits checker itself, and the App Home builder against it at every size."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.blocks import register as registration_form
from bot.blocks.home import home
from bot.services.overview import Mine, Page, Wait
from tests.slack_driver import text_of
from tests.slack_limits import assert_within_limits, message_problems, view_problems


def test_checker_finds_what_slack_refuses():
    view = registration_form.registration(date(2026, 12, 21), "CGENERAL")
    assert view_problems(view) == []
    too_long = {**view, "title": {"type": "plain_text", "text": "x" * 25}, "private_metadata": "m" * 3001}
    assert view_problems(too_long) == [
        "private_metadata of 3001 characters, over 3000",
        "title: text of 25 characters, over 24",
    ]
    crowded = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert view_problems(crowded) == ["101 blocks; a home takes 1 to 100"]
    long_section = {
        "type": "home",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        ],
    }
    assert len(view_problems(long_section)) == 2
    message = {"text": "t", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51}
    assert message_problems(message) == ["51 blocks; a message takes at most 50"]


@pytest.mark.parametrize("count", [0, 1, 15, 16, 60, 150])
def test_home_stays_within_limits_however_much_there_is(count):
    """The builder alone: whatever the number of items, the Home fits (the end-to-end case is in test_home)."""

    def ini(n):
        approval = SimpleNamespace(
            approver_id="UALICE",
            requested_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n),
            decision="pending",
            decided_at=None,
            stage=0,
            required=False,
        )
        return SimpleNamespace(
            id=n,
            number=n,
            reference=f"GL-{n}",
            title="T" * 150,
            owner_id="UOWNER",
            sponsor_id="USPONSOR",
            status="open",
            deadline=date(2027, 1, 4),
            extensions=n % 3,
            created_at=approval.requested_at,
            approvals=[approval],
            pending=[approval],
            report_due=None,
        ), Wait(approval, 86400.0 * 3)

    rows = [ini(n) for n in range(1, count + 1)]

    def page(items):
        return Page(items, 1, len(items), max(len(items), 1))

    view = home(
        Mine(
            waiting_on_me=page(rows),
            owned=page([(i, [w]) for i, w in rows]),
            sponsored=page([(i, [w]) for i, w in rows]),
        ),
        notice="n" * 2990,
    )
    assert_within_limits(view)
    text = json.dumps(view)
    left_out = [line for line in text_of(view).split("\n") if line.startswith("…")]  # "… and N more"
    assert bool(left_out) == (count >= 16)  # 3 lists × 2 blocks an item + 5 fixed blocks
    if count:
        assert "*GL-1*" in text
