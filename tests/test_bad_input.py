"""Input nobody should send, answered clearly: forged ids, huge texts, tabs, a Slack that does not answer,
and a person with more to show than one message holds. Nothing is written, nothing raises."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.blocks.ids import Action, View
from storage.models import Event, Initiative
from tests.slack_driver import text_of

NEW = "new Plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>"


def event_count(gl) -> int:
    with gl.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event))


@pytest.mark.parametrize("value", ["abc", "12345678901234567890", "", "-1", "1e3"])
def test_a_forged_button_value_is_refused(slack, gl, value):
    slack.command(NEW)
    before = event_count(gl)
    reply = slack.click(Action.APPROVE.value, value, user="UALICE")
    assert "does not exist" in reply["text"]
    reply = slack.click(Action.REJECT.value, value, user="UALICE")  # a button that would open a modal
    assert "does not exist" in reply["text"]
    assert event_count(gl) == before


@pytest.mark.parametrize("metadata", ["abc", "99999999999999999999"])
def test_a_forged_form_is_refused_on_its_field(slack, gl, metadata):
    slack.command(NEW)
    before = event_count(gl)
    view = {"type": "modal", "callback_id": View.REJECT.value, "private_metadata": metadata}
    response = slack.submit(view, {"reason": "no"}, user="UALICE")
    assert response.status == 200 and "does not exist" in response.body
    assert event_count(gl) == before


@pytest.mark.parametrize(
    "text",
    [
        "x" * 40000,
        "show " + "9" * 40000,
        NEW + " " + "y" * 40000,
        "new T approvers <@UALICE> sponsor <@USPONSOR> rule " + "z" * 40000,
        "settings " + "k" * 40000 + " v",
    ],
)
def test_huge_input_gets_a_short_answer(slack, gl, text):
    reply = slack.command(text)
    assert len(reply["text"]) < 1000
    with gl.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Initiative)) == 0


@pytest.mark.parametrize("separator", ["\t", "\n", " \t "])
def test_tabs_and_newlines_separate_words(slack, separator):
    slack.command(NEW)
    assert slack.command(f"show{separator}GL-1")["blocks"]
    assert "GL-1 is now approved" in slack.command(f"approve{separator}GL-1", user="UALICE")["text"]


def test_slack_not_answering_during_a_command_is_said_plainly(slack, gl, fake, caplog):
    gl.client.timeout = 0.3
    fake.delay_next(
        "users.info", 1.0, times=2
    )  # the owner's language (they stay in the workspace's), then the approvers
    reply = slack.command(NEW)
    assert "Slack did not answer" in reply["text"]
    assert "Traceback" not in caplog.text
    with gl.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Initiative)) == 0


def test_mine_for_a_busy_person_fits_one_message(slack, fake, gl):
    approvers = [f"UAPPROVER{n:02d}" for n in range(10)]
    for user in approvers:
        fake.add_user(user)
    slack.command(
        "settings self-sponsor on", user="UADMIN"
    )  # the owner also sponsors these (records branch: off by default)
    title = "&amp;" * 150  # 150 characters, 750 once escaped: two rows fill a section
    for _ in range(40):  # UOWNER owns and sponsors these
        reply = slack.command(f"new {title} approvers {' '.join(f'<@{u}>' for u in approvers)} sponsor <@UOWNER>")
        assert reply["text"].startswith("Registered")
    for _ in range(40):  # and is asked to approve these
        assert slack.command(f"new {title} approvers <@UOWNER> sponsor <@USPONSOR>", user="UALICE")["text"].startswith(
            "Registered"
        )
    reply = slack.command("mine")
    assert len(reply["blocks"]) <= 50  # the fake's limit check (conftest) holds it to Slack's rules too
    assert "Page 1 of 2" in text_of(reply) and "Next page" in text_of(reply)
