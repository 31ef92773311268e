"""Retention and erasure: rows gone (or pseudonymised) and everything else intact."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.__main__ import main
from bot.jobs import sweep
from bot.services import retention
from bot.services.retention import months_before, pseudonym
from storage.models import (
    Approval,
    Base,
    Event,
    GroupMember,
    Initiative,
    OutboxMessage,
    Person,
    Template,
    UserGroup,
    Workspace,
)
from tests.processes import database_url
from tests.slack_driver import text_of
from tests.story import counts

NEW = "new {} approvers <@UALICE|a> <@UBOB|b> sponsor <@USPONSOR|s> in <#CGENERAL>"


def rows_of(gl, number: int) -> dict[str, int]:
    """How many rows of each kind an initiative has."""
    with gl.transaction() as s:
        ini_id = s.scalar(select(Initiative.id).where(Initiative.number == number))
        if ini_id is None:
            return {}
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model).where(model.initiative_id == ini_id))
            for model in (Approval, Event, OutboxMessage)
        }


def test_months_before_keeps_the_day_or_takes_the_months_last():
    from datetime import UTC, datetime

    assert months_before(datetime(2027, 3, 31, 9, tzinfo=UTC), 1) == datetime(2027, 2, 28, 9, tzinfo=UTC)
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 13) == datetime(2025, 12, 15, tzinfo=UTC)


def test_retention_deletes_initiatives_closed_longer_ago_with_their_rows_and_nothing_else(
    slack, gl, fake, clock, monkeypatch
):
    monkeypatch.setattr(retention, "BATCH", 2)  # small batches, several transactions
    for title in ["Old one", "Old two", "Old three", "Still open", "Recent"]:
        slack.command(NEW.format(title))
    for n in (1, 2, 3):
        slack.command(f"withdraw GL-{n} not needed", user="UOWNER")
    sweep(gl)
    clock.advance(days=60)
    slack.command("withdraw GL-5 changed plans", user="UOWNER")
    kept = {n: rows_of(gl, n) for n in (4, 5)}
    assert all(kept[5].values()) and kept[4]["approvals"] == 2

    reply = slack.command("settings retention 12", user="UADMIN")
    assert reply["text"].startswith("`retention` is now *12 months* (was off (nothing is deleted)).")
    clock.set(clock.now() - timedelta(days=60) + timedelta(days=366))  # GL-1..3 closed a year and a day ago
    sweep(gl)
    assert [rows_of(gl, n) for n in (1, 2, 3)] == [{}, {}, {}]
    assert rows_of(gl, 5) == kept[5]  # closed ten months ago: kept whole
    assert rows_of(gl, 4)["approvals"] == 2  # not closed: kept
    with gl.transaction() as s:
        assert sorted(s.scalars(select(Initiative.number))) == [4, 5]
        logged = list(s.scalars(select(Event).where(Event.kind == "retention_deleted").order_by(Event.id)))
    assert [e.data["initiatives"] for e in logged] == [2, 1]
    assert logged[0].data["approvals"] == 4 and logged[0].data["months"] == 12
    assert logged[0].actor_id is None and not any(str(v).startswith(("U", "W")) for v in logged[0].data.values())
    assert "Still open" in text_of(slack.command("show GL-4"))


def dump(gl) -> str:
    """Every stored value, as text."""
    with gl.transaction() as s:
        return json.dumps([[list(map(str, row)) for row in s.execute(t.select())] for t in Base.metadata.sorted_tables])


def test_forget_user_pseudonymises_a_person_everywhere_and_keeps_the_records(
    slack, gl, fake, clock, db, monkeypatch, capsys
):
    slack.command(NEW.format("Vendor switch"))
    slack.command("approve GL-1 ok from <@UALICE|alice>'s side", user="UALICE")
    slack.command(NEW.format("Second").replace("<@UBOB|b>", "<@UCAROL|c>"))
    sweep(gl)
    assert "UALICE" in dump(gl)
    with gl.transaction() as s:
        shape = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Initiative, Approval, Event, OutboxMessage)
        }
    monkeypatch.setenv("DATABASE_URL", database_url(db))
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "operator-secret")
    assert main(["forget-user", "UALICE"]) == 0
    alias = pseudonym("UALICE", "operator-secret")
    assert f"UALICE is now {alias}" in capsys.readouterr().out

    stored = dump(gl)
    # (the fake Slack names a DM "D" + the user id; real DM ids are unrelated to the person's id)
    assert not re.search(r"(?<![A-Za-z0-9])UALICE", stored) and alias in stored
    with gl.transaction() as s:
        after = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Initiative, Approval, Event, OutboxMessage)
        }
        assert after == {**shape, "events": shape["events"] + 1}  # the erasure itself is logged
        approvals = [
            (a.initiative.number, a.approver_id, a.decision) for a in s.scalars(select(Approval).order_by(Approval.id))
        ]
        assert s.get(Person, ("T1", "UALICE")) is None and s.get(Person, ("T1", "UBOB")) is not None
        [logged] = s.scalars(select(Event).where(Event.kind == "user_forgotten"))
    assert approvals == [
        (1, alias, "approved"),
        (1, "UBOB", "pending"),
        (2, alias, "pending"),
        (2, "UCAROL", "pending"),
    ]
    assert logged.data == {"pseudonym": alias, "rows": logged.data["rows"]} and logged.actor_id is None
    assert "UBOB" in stored and "UOWNER" in stored  # nobody else is touched

    assert main(["forget-user", "UALICE"]) == 0  # stable: a second run finds nothing left to change
    assert "nothing stored mentions UALICE" in capsys.readouterr().out


def test_forget_user_cleans_templates_the_user_group_cache_and_the_escalation_contact(
    slack, gl, fake, db, monkeypatch, capsys
):
    fake.grant("usergroups:read")
    fake.add_group("SHR", ["UALICE", "UBOB"])
    slack.command("new Plan approvers <!subteam^SHR|@hr> sponsor <@USPONSOR|s>")  # the group is read and cached
    saved = slack.command("template save hiring approvers <@UALICE|a> then <@UBOB|b> sponsor <@USPONSOR|s>")["text"]
    assert "hiring" in saved
    slack.command("template save audit approvers <@UBOB|b> required <@UBOB|b> sponsor <@UCAROL|c>", user="UALICE")
    assert "UALICE" in text_of(slack.command("template list"))
    assert "`escalate-to` is now" in slack.command("settings escalate-to <@UALICE|a>", user="UADMIN")["text"]
    monkeypatch.setenv("DATABASE_URL", database_url(db))
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "operator-secret")
    assert main(["forget-user", "UALICE"]) == 0
    alias = pseudonym("UALICE", "operator-secret")
    capsys.readouterr()

    stored = dump(gl)
    assert not re.search(r"(?<![A-Za-z0-9])UALICE", stored)
    with gl.transaction() as s:
        templates = {t.name: (t.creator_id, t.draft) for t in s.scalars(select(Template))}
        members = list(s.execute(select(GroupMember.group_id, GroupMember.user_id)))
        assert s.scalar(select(func.count()).select_from(UserGroup)) == 1  # the group itself is kept
        assert s.get(Workspace, "T1").escalate_to is None  # nobody's escalation contact any more
    # Pseudonymised in the template that names them and as the creator of the other; nothing else in them changed.
    assert templates["hiring"][0] == "UOWNER" and templates["hiring"][1]["approver_ids"] == [alias, "UBOB"]
    assert templates["hiring"][1]["sponsor_id"] == "USPONSOR"
    assert templates["audit"][0] == alias and templates["audit"][1]["approver_ids"] == ["UBOB"]
    # Gone from the group member cache (Slack's answer is read again at most a day later); the others stay.
    assert members == [("SHR", "UBOB")]
    assert "audit" in text_of(slack.command("template list"))
    # The template that named them can no longer register anything, said plainly, with nothing written.
    before = counts(gl)
    reply = text_of(slack.command("new Budget using hiring"))
    assert "cannot approve" in reply and alias in reply
    assert counts(gl) == before
