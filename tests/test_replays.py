"""A retried or replayed Slack request acts once, and every copy is answered with what the first one did."""

from __future__ import annotations

import json
import threading

from slack_bolt.request import BoltRequest
from sqlalchemy import func, select

from bot.jobs import sweep
from bot.listeners.replays import STILL_RUNNING, request_key
from storage.models import Approval, Initiative, SlackRequest
from tests.forms import answers, open_form
from tests.slack_driver import command_body, interaction_body, text_of
from tests.story import homes

FORM = "application/x-www-form-urlencoded"
NEW = "new Training plan approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|sponsor>"


def send(slack, body: str, content_type: str = FORM, **headers: str):
    """Deliver this exact body, freshly signed as Slack signs each retry; `headers` adds e.g. x-slack-retry-num."""
    return slack.dispatch(body, content_type, **headers)


def count(gl, model) -> int:
    with gl.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


def replies(fake, name: str) -> list[dict]:
    return [
        {k: v for k, v in c.args.items() if k != "_name"} for c in fake.calls("response_url") if c.args["_name"] == name
    ]


def test_the_same_command_sent_three_times_registers_one_initiative_and_answers_three_times_alike(slack, fake, gl):
    body = command_body(NEW, "UOWNER", "CGENERAL", fake.response_url("new"))
    for retry in ("", "1", "2"):  # a replay as it was, then as Slack retries it
        send(slack, body, **({"x-slack-retry-num": retry, "x-slack-retry-reason": "http_timeout"} if retry else {}))
    first, *again = replies(fake, "new")
    assert first["text"].startswith("Registered *GL-1* “Training plan”")
    assert again == [first, first]
    assert count(gl, Initiative) == 1
    assert len(slack.dms("UALICE")) == 1 and len(slack.posts("CGENERAL")) == 1


def test_a_repeated_click_approves_once_and_answers_alike(slack, fake, gl):
    slack.command(NEW)
    (request,) = slack.dms("UALICE")
    value = next(
        e["value"]
        for b in request["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "approve"
    )
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "UALICE", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-click",
        "response_url": fake.response_url("click"),
        "container": {"type": "message"},
        "channel": {"id": "DUALICE"},
        "message": request | {"ts": "1.0"},
        "actions": [{"type": "button", "action_id": "approve", "block_id": "b", "value": value, "action_ts": "1.5"}],
    }
    for _ in range(3):
        send(slack, interaction_body(payload))
    first, *again = replies(fake, "click")
    assert first["text"] == "Thanks: your approval of GL-1 is recorded (1 of 2)." and first["replace_original"]
    assert again == [first, first]
    with gl.reading() as s:
        assert s.scalars(select(Approval.decision).order_by(Approval.approver_id)).all() == ["approved", "pending"]
    assert len([m for m in slack.dms("UOWNER") if "approved" in text_of(m)]) == 1


def test_a_repeated_modal_submission_registers_once_and_shows_the_same_confirmation(slack, fake, gl):
    view = open_form(slack, fake)
    state = {
        block: {block: value if isinstance(value, dict) else {"type": "plain_text_input", "value": value}}
        for block, value in answers().items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "UOWNER", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-submit",
        "view": {**view, "id": "V1", "state": {"values": state}},
    }
    first, *again = [json.loads(send(slack, interaction_body(payload)).body) for _ in range(3)]
    assert first["response_action"] == "update" and "Registered *GL-1*" in text_of(first["view"])
    assert again == [first, first]
    assert count(gl, Initiative) == 1


def test_a_retried_event_is_acked_and_not_handled_again(slack, fake):
    event = json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvRetry",
            "event_time": 1,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
            "event": {"type": "app_home_opened", "user": "UBOB", "channel": "DUBOB", "tab": "home", "event_ts": "2.0"},
        }
    )
    send(slack, event, "application/json")
    response = send(
        slack, event, "application/json", **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    )
    assert response.body == ""
    assert len(homes(fake, "UBOB")) == 1


def test_a_repeat_while_the_first_still_runs_is_told_so_and_changes_nothing(slack, fake, gl):
    body = command_body(NEW, "UOWNER", "CGENERAL", fake.response_url("new"))
    with gl.transaction() as s:  # as the first copy leaves it while its listener is still at work
        s.add(
            SlackRequest(key=request_key(BoltRequest(body=body)), team_id="T1", reply=None, created_at=gl.clock.now())
        )
    send(slack, body)
    assert [r["text"] for r in replies(fake, "new")] == [STILL_RUNNING]
    assert count(gl, Initiative) == 0


def test_copies_arriving_at_once_register_one_initiative(slack, fake, gl):
    body = command_body(NEW, "UOWNER", "CGENERAL", fake.response_url("new"))
    copies = [threading.Thread(target=send, args=(slack, body)) for _ in range(4)]
    for t in copies:
        t.start()
    for t in copies:
        t.join()
    assert count(gl, Initiative) == 1
    texts = [r["text"] for r in replies(fake, "new")]
    answered = {t for t in texts if t != STILL_RUNNING}  # a copy that came while the first worked is told so
    assert len(texts) == 4 and len(answered) == 1 and answered.pop().startswith("Registered *GL-1*")


def test_a_repeated_read_is_answered_again_and_writes_nothing(slack, fake, gl):
    slack.command(NEW)
    body = command_body("list", "UOWNER", "CGENERAL", fake.response_url("list"))
    for _ in range(2):
        send(slack, body)
    first, again = replies(fake, "list")
    assert "GL-1" in text_of(first) and again == first
    assert count(gl, SlackRequest) == 1  # the registration's, none for the reads


def test_the_sweep_forgets_handled_requests_after_a_day(slack, fake, gl, clock):
    slack.command("me working-hours 08:00-16:00")
    clock.advance(hours=23)
    slack.command("me working-hours 09:00-17:00")
    sweep(gl)
    assert count(gl, SlackRequest) == 2
    clock.advance(hours=2)
    sweep(gl)
    assert count(gl, SlackRequest) == 1
