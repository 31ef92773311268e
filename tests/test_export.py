"""Export: the file sent in a DM is read back from the fake Slack and checked column by column."""

from __future__ import annotations

import csv
import gc
import io
import json
import weakref

from sqlalchemy import event

from bot.__main__ import main
from bot.dataset import NOW, fill
from bot.services.export import COLUMNS, PAGE
from storage.models import Initiative
from tests.processes import database_url
from tests.story import proceeded_and_reported as story


def exported(fake, name_part: str) -> tuple[dict, bytes]:
    [upload] = [f for f in fake.uploaded() if name_part in f["filename"]]
    return upload, upload["content"]


def test_export_csv_sends_every_column_of_a_known_initiative_in_a_dm(slack, gl, fake, clock):
    story(slack, gl, fake, clock)
    reply = slack.command("export csv mine", user="UOWNER")
    assert reply["text"].startswith("I sent you *greenlight-mine-2026-12-16.csv* in a DM: 1 initiative and 2 approvals")
    upload, content = exported(fake, "greenlight-mine")
    assert upload["channel_id"] == "DUOWNER"  # the owner's DM (conversations.open)
    assert upload["initial_comment"] == "Your Greenlight export: 1 initiative and 2 approvals, one row each."
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.DictReader(io.StringIO(text[1:])))
    assert list(table[0]) == list(COLUMNS)
    initiative, alice, bob = table
    assert initiative == {c: "" for c in COLUMNS} | {
        "row": "initiative",
        "reference": "GL-1",
        "title": "Vendor switch",
        "status": "reported",
        "owner": "UOWNER",
        "sponsor": "USPONSOR",
        "channel": "CGENERAL",
        "rule": "all",
        "registered_at": "2026-12-08T09:00:00+00:00",
        "deadline": "2026-12-11",
        "extensions": "0",
        "escalated_at": "2026-12-11T23:00:00+00:00",
        "sponsor_choice": "proceed",
        "sponsor_choice_at": "2026-12-14T12:00:00+00:00",
        "proceeded_at": "2026-12-14T12:00:00+00:00",
        "report_due": "2027-01-11",
        "reported_at": "2026-12-16T12:00:00+00:00",
        "report_on_time": "yes",
        "report": "it went well",
        "closed_at": "2026-12-16T12:00:00+00:00",
    }
    common = {c: "" for c in COLUMNS} | {
        "reference": "GL-1",
        "title": "Vendor switch",
        "status": "reported",
        "channel": "CGENERAL",
        "row": "approval",
    }
    assert alice == common | {
        "approver": "UALICE",
        "requested_at": "2026-12-08T09:00:00+00:00",
        "decision": "approved",
        "decided_at": "2026-12-08T12:00:00+00:00",
        "wait_business_hours": "3.0",
        "comment": "fine by me",
    }
    # Bob (Los Angeles) waited from Tuesday 01:00 his time until the sponsor went ahead on Monday 04:00 his time:
    # 23 hours of Tuesday, Wednesday to Friday whole (72), and Monday's four hours before 04:00: 99.
    assert bob == common | {
        "approver": "UBOB",
        "requested_at": "2026-12-08T09:00:00+00:00",
        "decision": "pending",
        "wait_business_hours": "99.0",
    }
    assert bob["wait_business_hours"] == "99.0"


def test_export_json_all_is_for_admins_and_mine_only_holds_what_you_take_part_in(slack, gl, fake, clock):
    story(slack, gl, fake, clock)
    slack.command("new Other plan approvers <@UCAROL> sponsor <@USPONSOR> in <#CGENERAL>", user="UBOB")
    assert slack.command("export json all", user="UOWNER")["text"].startswith("Only workspace admins can export all")
    assert slack.command("export json all", user="UADMIN")["text"].startswith("I sent you *greenlight-all-")
    _, content = exported(fake, "greenlight-all")
    rows = json.loads(content)
    assert [r["reference"] for r in rows if r["row"] == "initiative"] == ["GL-1", "GL-2"]
    slack.command("export json", user="UCAROL")
    _, content = exported(fake, "greenlight-mine")
    assert [(r["row"], r["reference"]) for r in json.loads(content)] == [("initiative", "GL-2"), ("approval", "GL-2")]


def test_export_cli_writes_the_same_rows_to_stdout(slack, gl, fake, clock, db, monkeypatch, capsys):
    story(slack, gl, fake, clock)
    slack.command("export json all", user="UADMIN")
    _, content = exported(fake, "greenlight-all")
    monkeypatch.setenv("DATABASE_URL", database_url(db))
    monkeypatch.setenv("GREENLIGHT_NOW", clock.now().isoformat())
    capsys.readouterr()
    assert main(["export", "--team", "T1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(content)
    assert main(["export", "--team", "T1", "--format", "csv", "--since", "2026-12-09"]) == 0
    assert capsys.readouterr().out == "\ufeff" + ",".join(COLUMNS) + "\n"  # GL-1 was registered on the 8th
    assert main(["export", "--team", "T404"]) == 1
    assert "there is no workspace T404" in capsys.readouterr().err


def test_a_large_export_is_read_and_written_a_page_at_a_time(slack, db, fake, clock):
    """1,600 initiatives: every row reaches the file in reference order, while never more than two pages of
    initiatives (the one written and the one being read) are alive at once."""
    fill(db, 1600, now=NOW, due=0, escalated=0.1, proceeding=0.1, people=60, history=False)
    clock.set(NOW)
    alive: weakref.WeakSet = weakref.WeakSet()
    most = 0

    def loaded(target, context):
        nonlocal most
        alive.add(target)
        if len(alive) > 2 * PAGE:  # what is no longer referenced may only wait for the cycle collector
            gc.collect()
        most = max(most, len(alive))

    event.listen(Initiative, "load", loaded)
    try:
        reply = slack.command("export json all", user="UADMIN")
    finally:
        event.remove(Initiative, "load", loaded)
    assert (
        reply["text"].startswith("I sent you *greenlight-all-")
        and "1,600 initiatives and 4,800 approvals" in reply["text"]
    )
    _, content = exported(fake, "greenlight-all")
    rows = json.loads(content)
    assert [r["reference"] for r in rows if r["row"] == "initiative"] == [f"GL-{i}" for i in range(1, 1601)]
    assert [r["row"] for r in rows[:4]] == ["initiative", "approval", "approval", "approval"]
    assert content.decode() == json.dumps(rows, ensure_ascii=False, indent=1)  # the layout of one json.dumps
    assert 0 < most <= 2 * PAGE < 1600


def test_when_slack_fails_the_upload_the_person_is_told_and_nothing_is_shared(slack, gl, fake, clock):
    story(slack, gl, fake, clock)
    fake.fail_next("files.completeUploadExternal", status=500)
    reply = slack.command("export csv mine", user="UOWNER")
    assert reply["text"].startswith("Slack did not answer me just now")
    assert fake.uploaded() == []
    assert slack.command("export csv mine", user="UOWNER")["text"].startswith("I sent you *greenlight-mine-")
    [_] = fake.uploaded()
