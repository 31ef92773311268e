"""End to end in Socket Mode: `python app.py` with SLACK_APP_TOKEN, driven over a real local WebSocket as Slack would."""

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine
from tests.processes import APP, bot_env, running
from tests.slack_driver import buttons, text_of
from tests.socket_slack import TIMEOUT


@pytest.fixture
def app_process(fake, socket_server, tmp_path):
    """The bot in Socket Mode in its own process; yields (process, database URL, log path) and stops it afterwards."""
    database_url = f"sqlite:///{tmp_path / 'sm.db'}"
    env = bot_env(fake, database_url, SLACK_APP_TOKEN="xapp-test", GREENLIGHT_SCHEDULER="off")
    log_path = tmp_path / "app.log"
    with running(APP, env, log_path=log_path) as process:
        yield process, database_url, log_path


def wait_until(find, what: str, log_path: Path):
    deadline = time.monotonic() + TIMEOUT
    while True:
        found = find()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {TIMEOUT}s; app log:\n{log_path.read_text()}")
        time.sleep(0.02)


def test_socket_mode_registers_and_approves(app_process, socket_server, fake):
    process, database_url, log_path = app_process

    # The app asks for a socket URL with the app-level token, at SLACK_API_URL, then connects.
    if not socket_server.connected.wait(TIMEOUT):
        raise AssertionError(f"app.py did not connect (exit code {process.poll()}); app log:\n{log_path.read_text()}")
    (opened,) = fake.calls("apps.connections.open")
    assert opened.token == "xapp-test"

    def reply(name):
        return wait_until(
            lambda: [c.args for c in fake.calls("response_url") if c.args.get("_name") == name],
            f"a reply at response_url {name}",
            log_path,
        )[-1]

    def dm(user):
        return wait_until(
            lambda: [c.args for c in fake.calls("chat.postMessage") if c.args.get("channel") == user],
            f"a DM to {user}",
            log_path,
        )

    # A slash command arrives as an envelope; the app acks it over the socket, then works and replies.
    command = {
        "envelope_id": "env-command",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "test",
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": "UOWNER",
            "user_name": "owner",
            "command": "/greenlight",
            "text": "new Budget approvers <@UALICE|a> sponsor <@USPONSOR|s> by 2026-12-31",
            "response_url": fake.response_url("sm"),
            "trigger_id": "trigger-sm",
            "api_app_id": "A1",
        },
    }
    socket_server.send(command)
    assert socket_server.next_message() == {"envelope_id": "env-command"}
    confirmation = reply("sm")
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["text"].startswith("Registered *GL-1* “Budget”")
    assert "Deadline: Thu 31 Dec 2026" in confirmation["text"]
    assert {c.args["user"] for c in fake.calls("users.info")} >= {"UALICE", "USPONSOR"}
    announcement = wait_until(
        lambda: [c.args for c in fake.calls("chat.postMessage") if c.args.get("channel") == "CGENERAL"],
        "the announcement",
        log_path,
    )[0]
    assert "<@UOWNER> registered *GL-1* Budget" in text_of(announcement)
    (request,) = dm("UALICE")
    assert "asks for your sign-off on *GL-1* Budget" in text_of(request)
    assert ("Approve", "approve") in buttons(request)
    value = next(
        e["value"]
        for b in request["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "approve"
    )

    # Slack sends an envelope again when it missed the ack: acked, answered as the first was, not done twice.
    socket_server.send({**command, "retry_attempt": 1, "retry_reason": "timeout"})
    assert socket_server.next_message() == {"envelope_id": "env-command"}
    again = wait_until(
        lambda: [c.args for c in fake.calls("response_url") if c.args.get("_name") == "sm"][1:],
        "the answer to the retried envelope",
        log_path,
    )
    assert again == [confirmation]
    assert len(dm("UALICE")) == 1

    # A button click arrives as an interactive envelope.
    socket_server.send(
        {
            "envelope_id": "env-click",
            "type": "interactive",
            "accepts_response_payload": False,
            "payload": {
                "type": "block_actions",
                "team": {"id": "T1", "domain": "test"},
                "user": {"id": "UALICE", "team_id": "T1"},
                "api_app_id": "A1",
                "trigger_id": "trigger-click",
                "response_url": fake.response_url("click"),
                "container": {"type": "message"},
                "channel": {"id": "DUALICE"},
                "message": {"ts": "1.0"},
                "actions": [
                    {"type": "button", "action_id": "approve", "block_id": "b", "value": value, "action_ts": "1"}
                ],
            },
        }
    )
    assert socket_server.next_message() == {"envelope_id": "env-click"}
    assert reply("click")["text"] == "Thanks: GL-1 is now approved."
    owner_news = wait_until(
        lambda: [
            c.args
            for c in fake.calls("chat.postMessage")
            if c.args.get("channel") == "UOWNER" and "approved" in text_of(c.args)
        ],
        "the owner told of the approval",
        log_path,
    )
    assert "*GL-1* Budget is *approved*. Last sign-off: <@UALICE>." in text_of(owner_news[0])

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT number, title, status, owner_id FROM initiatives")).all() == [
                (1, "Budget", "approved", "UOWNER")
            ]
            assert conn.execute(text("SELECT approver_id, decision FROM approvals")).all() == [("UALICE", "approved")]
    finally:
        engine.dispose()

    # SLACK_API_URL is honoured by every Web API call; only apps.connections.open uses the app-level token.
    assert all(
        c.token == "xoxb-test" for c in fake.calls() if c.method not in ("response_url", "apps.connections.open")
    )
    assert not [c for c in fake.calls() if c.failed]
    assert process.poll() is None
    assert len(socket_server.connections) == 1  # no reconnects
