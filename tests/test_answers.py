"""Answer processes (bot/answers.py): the web process acknowledges, a pool of lower-priority processes answers.

Driven as an operator runs it: the Procfile's web (gunicorn) on a fresh SQLite database, with signed requests over
HTTP; the process tree is read from /proc."""

import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.answers import NICENESS, handed_over
from tests.http_app import FORM, SECRET, get, post, procfile, reply, wait_for_port
from tests.processes import bot_env, family, free_port, running
from tests.slack_driver import click_payload, command_body, interaction_body, signed_headers
from tests.test_metrics import sample, scrape


def niceness(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rpartition(")")[2].split()[16])


def parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rpartition(")")[2].split()[1])


def answerers(pid: int) -> list[int]:
    """The pool's processes under the app: its supervisor and the answer processes, all at the pool's niceness."""
    return [p for p in family(pid) if niceness(p) == NICENESS]


def until(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)
    return found


@pytest.fixture
def web(fake, tmp_path, request):
    """The Procfile's web on a fresh SQLite database: (its /slack/events URL, its process)."""
    port = free_port()
    extra = getattr(request, "param", {})
    env = bot_env(
        fake,
        f"sqlite:///{tmp_path / 'answers.db'}",
        SLACK_SIGNING_SECRET=SECRET,
        GREENLIGHT_SCHEDULER="off",
        PORT=str(port),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        **extra,
    )
    env["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{env['PATH']}"
    log_path = tmp_path / "web.log"
    with running(["bash", "-c", f"exec {procfile('web')}"], env, cwd=tmp_path, log_path=log_path) as process:
        wait_for_port(f"http://127.0.0.1:{port}/healthz", process, log_path)
        yield f"http://127.0.0.1:{port}", process


def command(base: str, fake, text: str, user: str, name: str) -> tuple[int, str]:
    body = command_body(text, user, "CGENERAL", fake.response_url(name))
    return post(base + "/slack/events", body, signed_headers(body, SECRET, FORM))


def test_what_is_handed_over():
    assert handed_over({"command": "/greenlight", "text": "mine"})
    assert handed_over({"command": "/greenlight", "text": "new Plan approvers <@UALICE|a> sponsor <@USPONSOR|s>"})
    assert handed_over({"command": "/greenlight", "text": "frobnicate"})  # answered with what is wrong with it
    assert handed_over({"type": "block_actions", "actions": [{"action_id": "approve"}]})
    assert handed_over({"type": "event_callback", "event": {"type": "app_home_opened"}})
    # What opens a form must use its trigger_id within 3 s, and a form's errors are its ack: both stay.
    assert not handed_over({"command": "/greenlight", "text": "new"})
    assert not handed_over({"type": "block_actions", "actions": [{"action_id": "reject"}]})
    assert not handed_over({"type": "view_submission", "view": {"callback_id": "register"}})


def test_acks_are_not_held_by_answers_and_a_lost_answer_process_is_replaced(web, fake):
    base, app = web
    supervisor, *pool = until(lambda: len(answerers(app.pid)) == 3 and answerers(app.pid))
    assert len(pool) == 2 and {parent(p) for p in pool} == {supervisor} and parent(supervisor) == app.pid

    # Ten people Greenlight has not met ask for help while Slack takes 3 s over each of their profiles: every
    # command is acknowledged (an empty 200) before the first answer can arrive, and each is answered.
    people = [f"UNEW{i}" for i in range(10)]
    for person in people:
        fake.add_user(person, name=person.lower(), locale="de-DE")
    fake.delay_next("users.info", 3.0, times=len(people))
    acked_at = {}

    def ask(person):
        status, body = command(base, fake, "help", person, person)
        acked_at[person] = time.monotonic()
        return status, body

    with ThreadPoolExecutor(len(people)) as clients:
        acks = list(clients.map(ask, people))
    assert acks == [(200, "")] * len(people)
    first_answer = until(lambda: fake.calls("response_url") and time.monotonic())
    assert max(acked_at.values()) < first_answer
    for person in people:
        # in their own language, looked up in Slack after the ack
        assert "*Greenlight* sorgt dafür, dass Freigaben nicht ins Stocken geraten" in str(reply(fake, person, 30))

    page = scrape(get(base + "/metrics")[2])
    assert sample(page, "greenlight_answer_duration_seconds_count", kind="command", name="help") == len(people)
    assert sample(page, "greenlight_request_duration_seconds_count", kind="command", name="help") == len(people)

    # An answer process that dies is replaced, and what comes after is answered.
    os.kill(pool[0], signal.SIGKILL)
    until(lambda: len(answerers(app.pid)) == 3 and pool[0] not in answerers(app.pid))
    assert command(base, fake, "list", "UOWNER", "after") == (200, "")
    assert reply(fake, "after")["response_type"] == "ephemeral"

    # What was acknowledged before the app stops is still answered; then its answer processes end too.
    late = [f"ULATE{i}" for i in range(4)]
    for person in late:
        fake.add_user(person, name=person.lower())
    fake.delay_next("users.info", 2.0, times=len(late))
    assert [command(base, fake, "help", person, person) for person in late] == [(200, "")] * len(late)
    pool = answerers(app.pid)
    app.terminate()
    app.wait(10)
    for person in late:
        assert reply(fake, person, timeout=30)["text"].startswith("*Greenlight* keeps approvals from stalling")
    until(lambda: not any(os.path.exists(f"/proc/{p}") and niceness(p) == NICENESS for p in pool))


def test_a_click_is_answered_by_the_pool_once_even_when_slack_sends_it_again(web, fake):
    base, app = web
    assert command(base, fake, "new Plan approvers <@UALICE|a> sponsor <@USPONSOR|s>", "UOWNER", "new") == (200, "")
    assert reply(fake, "new")["text"].startswith("Registered *GL-1*")
    payload = click_payload("approve", "1", "UALICE", fake.response_url("click"))
    body = interaction_body(payload)
    headers = signed_headers(body, SECRET, FORM)
    barrier = threading.Barrier(2)

    def click():
        barrier.wait()
        return post(base + "/slack/events", body, headers)

    with ThreadPoolExecutor(2) as slack:  # Slack's retry of a click whose ack it did not see in time
        assert list(slack.map(lambda _: click(), range(2))) == [(200, "")] * 2
    until(lambda: len(fake.calls("response_url")) >= 3)
    # The repeat gets the first one's answer, or, while that still runs, word that it does.
    answers = sorted(c.args["text"] for c in fake.calls("response_url") if c.args["_name"] == "click")
    assert answers[-1] == "Thanks: GL-1 is now approved."
    assert answers[0] in (
        answers[-1],
        "I already received this exact request and I'm working on it; it is carried out once.",
    )
    assert command(base, fake, "show GL-1", "UOWNER", "show") == (200, "")
    assert str(reply(fake, "show")).count("<@UALICE> approved\\n") == 1  # acted on once


@pytest.mark.parametrize("web", [{"GREENLIGHT_ANSWER_PROCESSES": "0"}], indirect=True)
def test_without_answer_processes_the_web_process_answers(web, fake):
    base, app = web
    assert command(base, fake, "list", "UOWNER", "list") == (200, "")
    assert reply(fake, "list")["response_type"] == "ephemeral"
    assert answerers(app.pid) == []


def test_when_the_pool_is_full_the_web_process_answers_and_nothing_is_lost(web, fake):
    """The socket holds a few dozen requests: with every answer thread waiting for a slow Slack, a burst fills it, an ack
    waits for room for up to 2 s, and then the web process answers the request itself. Every command is answered,
    once."""
    base, app = web
    people = [f"UFULL{i}" for i in range(120)]
    for person in people:
        fake.add_user(person, name=person.lower())
    fake.delay_next("users.info", 5.0, times=4)  # the pool's 4 threads, each on its first profile
    with ThreadPoolExecutor(16) as clients:
        acks = list(clients.map(lambda p: command(base, fake, "help", p, p), people))
    assert acks == [(200, "")] * len(people)
    for person in people:
        assert reply(fake, person, timeout=60)["text"].startswith("*Greenlight* keeps approvals from stalling")
    answered = [c.args["_name"] for c in fake.calls("response_url")]
    assert sorted(answered) == sorted(people)  # each once
