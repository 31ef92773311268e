"""End to end: `python app.py` as its own process in HTTP mode, driven over real HTTP with signed requests."""

import time

from tests.http_app import FORM, SECRET, command, dm, post, reply
from tests.slack_driver import buttons, command_body, interaction_body, signed_headers, text_of


def test_app_process_registers_approves_and_rejects(app_process, fake):
    # Both approvers work in Berlin, so their sign-off requests arrive at once (quiet hours hold a DM
    # until its recipient's working time: Bob in Los Angeles would get his at 09:00 his time).
    fake.add_user("UDANA", name="dana")
    url = app_process

    # Unsigned and badly signed requests are refused before anything happens.
    body = command_body("list", "UOWNER", "CGENERAL", fake.response_url("unsigned"))
    assert post(url, body, None)[0] == 401
    assert post(url, body, signed_headers(body, "wrong-secret", FORM))[0] == 401
    stale = signed_headers(body, SECRET, FORM)
    stale["x-slack-request-timestamp"] = [str(int(time.time()) - 3600)]
    assert post(url, body, stale)[0] == 401
    assert fake.calls("response_url") == []

    # Registration by slash command
    confirmation = command(
        url,
        fake,
        "new Training plan approvers <@UALICE|alice> <@UDANA|dana> sponsor <@USPONSOR> in 3 days",
        "UOWNER",
        "register",
    )
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["text"].startswith("Registered *GL-1* “Training plan”")
    assert "Deadline: Thu 10 Dec 2026" in confirmation["text"]
    (announcement,) = [c.args for c in fake.wait_for("chat.postMessage", 3) if c.args["channel"] == "CGENERAL"]
    assert "<@UOWNER> registered *GL-1* Training plan" in text_of(announcement)
    (alice_request,) = dm(fake, "UALICE")
    (bob_request,) = dm(fake, "UDANA")
    for request in (alice_request, bob_request):
        assert "asks for your sign-off on *GL-1* Training plan" in text_of(request)
        assert [label for label, _ in buttons(request)] == ["Approve", "Reject", "Snooze", "Ask a question"]

    # Approval by button (a block_actions payload, as Slack posts it)
    value = next(
        e["value"]
        for b in alice_request["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "approve"
    )
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "UALICE", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-e2e",
        "response_url": fake.response_url("click"),
        "container": {"type": "message"},
        "channel": {"id": "DUALICE"},
        "message": {"ts": "1.0"},
        "actions": [{"type": "button", "action_id": "approve", "block_id": "b", "value": value, "action_ts": "1"}],
    }
    body = interaction_body(payload)
    assert post(url, body, signed_headers(body, SECRET, FORM))[0] == 200
    assert reply(fake, "click")["text"] == "Thanks: your approval of GL-1 is recorded (1 of 2)."
    (update,) = fake.wait_for("chat.update")
    assert update.args["channel"] == "DUALICE" and "You approved it" in text_of(update.args)
    assert "<@UALICE> approved *GL-1* Training plan (1 of 2)" in text_of(dm(fake, "UOWNER")[0])

    # Rejection by command
    rejected = command(url, fake, "reject GL-1 Not in this budget", "UDANA", "reject")
    assert (
        rejected["text"] == "Your rejection of GL-1 is recorded; the owner and the sponsor have been told your reason."
    )
    owner_dms = dm(fake, "UOWNER", 2)
    assert "<@UDANA> *rejected* *GL-1* Training plan" in text_of(owner_dms[-1])
    assert "Not in this budget" in text_of(owner_dms[-1])
    sponsor_dms = dm(fake, "USPONSOR", 2)  # told at registration that she is the sponsor, then the rejection
    assert "sponsor" in text_of(sponsor_dms[0]) and "Not in this budget" in text_of(sponsor_dms[-1])
    fake.wait_for("chat.update", 2)

    shown = command(url, fake, "show gl-1", "UOTHER", "show")
    text = text_of(shown)
    assert "Status: *rejected*" in text and "<@UALICE> approved" in text and "<@UDANA> rejected" in text
    assert "Not in this budget" in text
    assert all(c.token == "xoxb-test" for c in fake.calls() if c.method != "response_url")
