"""/metrics as Prometheus scrapes it: the outbox backlog per kind and its age, deliveries by outcome, retries,
sweeps, due work, request latency by subcommand and action, paused workspaces; summed over gunicorn's workers."""

from __future__ import annotations

import os
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from bot import metrics
from bot.delivery import INLINE_TRIES
from bot.jobs import sweep
from bot.listeners.observe import request_label
from bot.runtime import Greenlight
from storage.models import OutboxMessage, Workspace
from tests.conftest import test_config as config_for
from tests.http_app import FORM, SECRET, get, post, procfile, reply, wait_for_port
from tests.processes import bot_env, free_port, running
from tests.slack_driver import command_body, interaction_body, signed_headers
from tests.story import FIRST_NUDGES_DUE as DUE
from tests.story import register_plans as register


def scrape(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a /metrics page: {(name, sorted labels): value}."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(page: dict, metric: str, **labels) -> float:
    return page.get((metric, tuple(sorted(labels.items()))), 0.0)


def test_backlog_deliveries_retries_sweeps_and_requests_are_counted(db, slack, fake, clock):
    gl = Greenlight(config_for(fake), clock=clock, engine=db, sleep=lambda s: None)
    before = scrape(metrics.render(gl).decode())
    fake.fail_next("chat.postMessage", status=500, times=2 * INLINE_TRIES)
    register(slack, 1, approvers=("UALICE",))  # its announcement and request cannot be sent yet: Slack answers 500
    assert len([c for c in fake.calls("chat.postMessage") if c.failed]) == 2 * INLINE_TRIES
    clock.advance(minutes=10)
    with gl.reading() as s:
        kinds = {
            key.split(":")[0] for key in s.scalars(select(OutboxMessage.key).where(OutboxMessage.status == "pending"))
        }
    page = scrape(metrics.render(gl).decode())
    assert kinds and all(sample(page, "greenlight_outbox_pending", kind=k) >= 1 for k in kinds)
    assert all(sample(page, "greenlight_outbox_oldest_pending_seconds", kind=k) >= 600 for k in kinds)
    assert sample(page, "greenlight_delivery_retries_total", reason="server_error") > sample(
        before, "greenlight_delivery_retries_total", reason="server_error"
    )
    assert (
        sample(page, "greenlight_request_duration_seconds_count", kind="command", name="new")
        == sample(before, "greenlight_request_duration_seconds_count", kind="command", name="new") + 1
    )

    early = len([c for c in fake.calls("chat.postMessage") if not c.failed])  # sent at once (the sponsor is told)
    fake.clear()
    clock.set(DUE)  # Slack answers again, and the first nudge is due
    sweep(gl)
    after = scrape(metrics.render(gl).decode())
    sent = len([c for c in fake.calls("chat.postMessage") if not c.failed])
    assert sent >= 2
    assert (
        sample(after, "greenlight_deliveries_total", outcome="sent")
        - sample(before, "greenlight_deliveries_total", outcome="sent")
        == early + sent
    )
    assert not [k for (name, k) in after if name == "greenlight_outbox_pending"]  # nothing waits any more
    assert (
        sample(after, "greenlight_sweep_duration_seconds_count")
        == sample(before, "greenlight_sweep_duration_seconds_count") + 1
    )
    assert (
        sample(after, "greenlight_due_work_found_total", kind="reminders")
        == sample(before, "greenlight_due_work_found_total", kind="reminders") + 1
    )
    assert sample(after, "greenlight_workspaces_paused") == 0
    with gl.transaction() as s:
        s.execute(update(Workspace).values(delivery_paused_at=clock.now(), delivery_paused_reason="token_revoked"))
    assert sample(scrape(metrics.render(gl).decode()), "greenlight_workspaces_paused") == 1


def test_an_unreachable_recipient_is_counted_as_undeliverable(gl, slack, fake, clock):
    before = sample(scrape(metrics.render(gl).decode()), "greenlight_deliveries_total", outcome="undeliverable")
    fake.fail_next("chat.postMessage", error="channel_not_found")
    slack.command("new Plan approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>")
    gl.deliver()
    after = sample(scrape(metrics.render(gl).decode()), "greenlight_deliveries_total", outcome="undeliverable")
    assert after == before + 1


@pytest.mark.parametrize(
    "body, label",
    [
        ({"command": "/greenlight", "text": "show GL-1"}, ("command", "show")),
        ({"command": "/greenlight", "text": ""}, ("command", "help")),
        ({"command": "/greenlight", "text": "Drop TABLE initiatives; free text"}, ("command", "other")),
        ({"type": "block_actions", "actions": [{"action_id": "approve"}]}, ("action", "approve")),
        ({"type": "block_actions", "actions": [{"action_id": "forged-" + "x" * 200}]}, ("action", "other")),
        ({"type": "view_submission", "view": {"callback_id": "register"}}, ("view", "register")),
        ({"type": "event_callback", "event": {"type": "app_home_opened"}}, ("event", "app_home_opened")),
        ({"type": "event_callback", "event": {"type": "anything else"}}, ("event", "other")),
    ],
)
def test_request_labels_are_known_names_only(body, label):
    assert request_label(body) == label


def test_gunicorn_workers_report_one_sum(fake, tmp_path):
    """The Procfile's web (2 workers) counts requests in whichever worker serves them; any scrape shows the total."""
    port = free_port()
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'mp.db'}",
        SLACK_SIGNING_SECRET=SECRET,
        GREENLIGHT_SCHEDULER="off",
        PORT=str(port),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    env["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{env['PATH']}"
    log_path = tmp_path / "web.log"
    base = f"http://127.0.0.1:{port}"
    with running(["bash", "-c", f"exec {procfile('web')}"], env, cwd=tmp_path, log_path=log_path) as process:
        wait_for_port(base + "/healthz", process, log_path)
        count = 12
        for i in range(count):
            body = command_body("list", "UOWNER", "CGENERAL", fake.response_url(f"list-{i}"))
            assert post(base + "/slack/events", body, signed_headers(body, SECRET, FORM))[0] == 200
            reply(fake, f"list-{i}")
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "UALICE", "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": "t-mp",
            "response_url": fake.response_url("click"),
            "container": {"type": "message"},
            "channel": {"id": "DUALICE"},
            "message": {"ts": "1.0"},
            "actions": [{"type": "button", "action_id": "approve", "block_id": "b", "value": "999", "action_ts": "1"}],
        }
        body = interaction_body(payload)
        assert post(base + "/slack/events", body, signed_headers(body, SECRET, FORM))[0] == 200
        for _ in range(8):  # several scrapes, served by either worker: the same totals
            status, content_type, text = get(base + "/metrics")
            assert status == 200 and content_type.startswith("text/plain")
            page = scrape(text)
            assert sample(page, "greenlight_request_duration_seconds_count", kind="command", name="list") == count
            assert sample(page, "greenlight_request_duration_seconds_count", kind="action", name="approve") == 1
        pids = {f.split("_")[-1] for f in os.listdir(tmp_path / "metrics")}
        assert len(pids) >= 2, f"one worker served everything: {pids}"
