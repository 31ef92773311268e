"""`/greenlight new` without text: the registration form, end to end through the fake Slack."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from storage.models import Initiative
from tests.facts import bold, channels, days, mentions, of_kind, references
from tests.forms import answers, open_form
from tests.slack_driver import buttons, text_of
from tests.slack_limits import assert_within_limits


def count(gl, model) -> int:
    with gl.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_form_has_every_field_with_sensible_defaults(slack, fake):
    view = open_form(slack, fake, channel="CPLANS")
    assert view["callback_id"] == "register" and view["title"]["text"] == "New initiative"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(fields) == [
        "title",
        "details",
        "approvers",
        "approvers-2",
        "approvers-3",
        "required",
        "sponsor",
        "deadline",
        "rule",
        "channel",
    ]
    assert fields["approvers-2"]["type"] == fields["approvers-3"]["type"] == "multi_users_select"
    assert fields["approvers"]["type"] == "multi_users_select" and fields["approvers"]["max_selected_items"] == 10
    assert fields["sponsor"]["type"] == "users_select"
    # 10 business days after Monday 7 December 2026
    assert fields["deadline"] == {"type": "datepicker", "initial_date": "2026-12-21", "action_id": "deadline"}
    assert [o["value"] for o in fields["rule"]["options"]] == ["all", "any"]
    assert fields["rule"]["initial_option"]["value"] == "all"
    assert fields["channel"]["initial_conversation"] == "CPLANS"


def test_the_default_deadline_follows_the_workspace_setting(slack, fake):
    slack.command("settings deadline 3", user="UADMIN")
    view = open_form(slack, fake)
    deadline = next(b for b in view["blocks"] if b.get("block_id") == "deadline")
    assert deadline["element"]["initial_date"] == "2026-12-10"


def test_from_a_direct_message_no_channel_is_preselected(slack, fake):
    view = open_form(slack, fake, channel="DUOWNER")
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    assert "initial_conversation" not in channel["element"]


def test_invalid_then_valid_submission(slack, fake, gl):
    view = open_form(slack, fake)

    response = slack.submit(
        view,
        answers(title="x" * 151, approvers=("UOWNER", "UROBOT"), sponsor="UGONE", deadline="2026-12-01"),
        user="UOWNER",
    )
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    errors = body["errors"]
    assert set(errors) == {"title", "approvers", "sponsor", "deadline"}
    assert "151 characters" in errors["title"] and "150" in errors["title"]
    assert "cannot also approve" in errors["approvers"]
    assert "@gone" in errors["sponsor"] and "<@" not in errors["sponsor"]  # plain text: names, not <@U…>
    assert days(errors["deadline"]) == ["Tue 1 Dec 2026"]
    assert count(gl, Initiative) == 0
    assert fake.calls("chat.postMessage") == []

    response = slack.submit(view, answers(approvers=("UALICE", "USPONSOR")), user="UOWNER")
    errors = json.loads(response.body)["errors"]
    assert list(errors) == ["approvers"] and "@sponsor" in errors["approvers"] and "<@" not in errors["approvers"]
    assert count(gl, Initiative) == 0

    response = slack.submit(
        view, answers(details="Budget: 12k & two trainers <b>", deadline="2027-01-15", rule="any"), user="UOWNER"
    )
    body = json.loads(response.body)
    assert body["response_action"] == "update"
    assert_within_limits(body["view"])
    confirmation = text_of(body["view"])
    assert references(confirmation) == ["GL-1"] and "Quarterly training plan" in confirmation
    assert "<#CGENERAL>" in confirmation and "Fri 15 Jan 2027" in confirmation

    with gl.transaction() as s:
        ini = s.scalar(select(Initiative))
        assert (ini.title, ini.details, ini.rule, ini.channel_id, ini.owner_id, ini.sponsor_id) == (
            "Quarterly training plan",
            "Budget: 12k & two trainers <b>",
            "any",
            "CGENERAL",
            "UOWNER",
            "USPONSOR",
        )
        assert ini.deadline.isoformat() == "2027-01-15"
        assert [a.approver_id for a in ini.approvals] == ["UALICE", "UOTHER"]

    for approver in ("UALICE", "UOTHER"):
        (request,) = of_kind(gl, slack.dms(approver), "request")
        assert "GL-1" in bold(text_of(request)) and "Quarterly training plan" in text_of(request)
        assert mentions(text_of(request))[0] == "UOWNER"  # who asks
        assert "Budget: 12k &amp; two trainers &lt;b&gt;" in text_of(request)
        assert [label for label, _ in buttons(request)] == ["Approve", "Reject", "Snooze", "Ask a question"]
    (announcement,) = slack.posts("CGENERAL")
    assert mentions(text_of(announcement))[0] == "UOWNER" and "GL-1" in bold(text_of(announcement))
    assert "Quarterly training plan" in text_of(announcement)
    assert "one approval is enough" in text_of(announcement)


def test_without_a_channel_the_summary_channel_is_used_or_the_field_says_so(slack, fake, gl):
    view = open_form(slack, fake, channel="DUOWNER")
    response = slack.submit(view, answers(channel=None), user="UOWNER")
    errors = json.loads(response.body)["errors"]
    assert list(errors) == ["channel"] and "summary-channel" in errors["channel"]
    assert count(gl, Initiative) == 0

    fake.add_channel("CAPPROVALS", name="approvals")
    assert channels(slack.command("settings summary-channel <#CAPPROVALS|approvals>", user="UADMIN")["text"]) == [
        "CAPPROVALS"
    ]
    response = slack.submit(view, answers(channel=None), user="UOWNER")
    assert json.loads(response.body)["response_action"] == "update"
    assert len(slack.posts("CAPPROVALS")) == 1


def test_the_text_form_still_registers_at_once(slack, gl):
    reply = slack.command("new Plan approvers <@UALICE> sponsor <@USPONSOR>", user="UOWNER")
    assert references(reply["text"]) == ["GL-1"] and count(gl, Initiative) == 1
    assert len(slack.dms("UALICE")) == 1
