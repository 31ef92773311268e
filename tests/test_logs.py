"""LOG_FORMAT=json as a log collector reads it: every line one JSON object, tagged with the workspace, initiative and
outbox key where they apply, and the bot token and signing secret nowhere, even at DEBUG."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import time

from bot import logs
from tests.http_app import FORM, post, reply, wait_for_port
from tests.processes import APP, bot_env, free_port, running
from tests.slack_driver import command_body, signed_headers

TOKEN = "xoxb-1111-2222-logtestsecrettoken"
SECRET = "logs-signing-secret-0123456789"


def test_json_lines_carry_context_and_never_a_secret(fake, tmp_path):
    port = free_port()
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'logs.db'}",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        PORT=str(port),
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    )
    log_path = tmp_path / "app.log"
    fake.fail_next("chat.postMessage", status=500)  # the first send is retried: a warning about that message
    with running(APP, env, log_path=log_path) as process:
        wait_for_port(f"http://127.0.0.1:{port}/healthz", process, log_path)
        body = command_body(
            "new Training plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>",
            "UOWNER",
            "CGENERAL",
            fake.response_url("new"),
        )
        assert post(f"http://127.0.0.1:{port}/slack/events", body, signed_headers(body, SECRET, FORM))[0] == 200
        assert reply(fake, "new")["text"].startswith("Registered *GL-1*")
        fake.wait_for("chat.postMessage", 2)
        time.sleep(0.5)
    assert all(c.token == TOKEN for c in fake.calls() if c.method != "response_url")  # it was in use all along
    output = log_path.read_text()
    assert TOKEN not in output and SECRET not in output and "xoxb-" not in output
    lines = [json.loads(line) for line in output.splitlines()]  # every line is one JSON object
    assert len(lines) > 10 and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    (retry,) = [line for line in lines if line["level"] == "WARNING" and "retrying" in line["message"]]
    assert retry["team"] == "T1" and retry["initiative"] == "1" and retry["outbox_key"].count(":") >= 1
    assert any(line.get("team") == "T1" and "outbox_key" not in line for line in lines)  # a request's own lines


def test_tokens_and_secrets_are_masked_in_messages_and_tracebacks():
    # In a context of its own: earlier tests drive the Sender directly in this thread, and leave its last tags.
    contextvars.Context().run(masked_and_tagged)


def masked_and_tagged():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter(("a-signing-secret-value",)))
    log = logging.getLogger("test.masking")
    log.addHandler(handler)
    try:
        with logs.concerning(team="T9", outbox_key="nudge:1:1"):
            log.warning("token %s and xapp-1-A1-2-abc and a-signing-secret-value", "xoxb-12-34-abc")
            try:
                raise RuntimeError("leaked xoxp-5-6-7")
            except RuntimeError:
                log.exception("failed", extra={"initiative": 7})
        log.warning("outside")
    finally:
        log.removeHandler(handler)
    first, second, third = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["message"] == "token [redacted] and [redacted] and [redacted]"
    assert (first["team"], first["outbox_key"]) == ("T9", "nudge:1:1")
    assert "xoxp" not in second["error"] and "RuntimeError" in second["error"] and second["initiative"] == "7"
    assert "team" not in third
