"""Requests that arrive at the same moment: every one succeeds once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import select

from storage.models import Initiative, OutboxMessage
from tests.slack_driver import text_of
from tests.story import database_is_free


def test_ten_registrations_at_once_in_a_new_workspace_all_get_numbers(slack, gl):
    start = threading.Barrier(10)
    replies = [None] * 10

    def register(i):
        start.wait()
        replies[i] = slack.command(f"new Plan {i} approvers <@UALICE|alice> sponsor <@USPONSOR|sponsor>")

    threads = [threading.Thread(target=register, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r["text"].startswith("Registered *GL-") for r in replies), replies
    with gl.transaction() as s:
        numbers = sorted(s.scalars(select(Initiative.number)))
    assert numbers == list(range(1, 11))


def test_the_owner_hears_of_every_approval_n_of_m(slack, fake, gl):
    slack.command("new Plan approvers <@UALICE|alice> <@UBOB|bob> <@UCAROL|carol> sponsor <@USPONSOR|sponsor>")
    for approver in ("UALICE", "UBOB"):
        slack.command("approve GL-1", user=approver)
    told = [text_of(m) for m in slack.dms("UOWNER")]
    assert any("<@UALICE>" in t and "(1 of 3)" in t for t in told), told
    assert any("<@UBOB>" in t and "(2 of 3)" in t for t in told), told
    with gl.transaction() as s:
        keys = set(s.scalars(select(OutboxMessage.key).where(OutboxMessage.recipient == "UOWNER")))
    assert len(keys) == 2


def test_the_owner_hears_of_every_ratification(slack, fake, gl, clock):

    slack.command("new Plan approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|sponsor> in 2 days")
    clock.advance(days=4)
    slack.command("proceed GL-1", user="USPONSOR")
    fake.clear()
    for approver in ("UALICE", "UBOB"):
        slack.command("approve GL-1", user=approver)
        clock.advance(minutes=1)
    told = [text_of(m) for m in slack.dms("UOWNER")]
    assert [("<@UALICE>" in t, "<@UBOB>" in t) for t in told if "ratified" in t] == [(True, False), (False, True)]


def test_registration_asks_slack_with_no_transaction_open(slack, gl, fake, monkeypatch):
    """users.info for the people named is answered while the database is free (on SQLite another writer gets
    the lock at once): a slow Slack holds up no other request, sweep or process."""
    checked = []
    answer = fake._answer

    def answer_after_checking(method, args, headers):
        if method == "users.info":
            checked.append(database_is_free(gl))
        return answer(method, args, headers)

    monkeypatch.setattr(fake, "_answer", answer_after_checking)
    assert slack.command("new Plan approvers <@UALICE|alice> <@UBOB|bob> sponsor <@USPONSOR|s>")["text"].startswith(
        "Registered"
    )
    assert checked == [True, True, True, True]  # the owner (met for the first time: their language), then the three
