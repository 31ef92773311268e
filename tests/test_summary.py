"""The weekly summary: its sections and numbers after a week of activity, once per channel per week, Slack's limits."""

from __future__ import annotations

import re
import threading
from contextlib import ExitStack
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from bot.__main__ import main
from bot.jobs import sweep
from storage.models import Approval, Initiative, OutboxMessage, Workspace
from tests.conftest import SIGNING_SECRET
from tests.facts import channels, days, lines_about, mentions, references, status_label, without_history
from tests.processes import bot_env, cli, database_url, run, running
from tests.slack_driver import text_of
from tests.slack_limits import message_problems
from tests.summaries import at, new, summaries


def set_initiative(gl, number, **values):
    with gl.transaction() as s:
        s.execute(update(Initiative).where(Initiative.number == number).values(**values))


def numbers(text: str) -> list[int]:
    """The counts in a text, in order (1,000 reads as 1000)."""
    return [int(n.replace(",", "")) for n in re.findall(r"(?<![\w:-])\d[\d,]*(?![\d:])", text)]


def texts(message) -> list[str]:
    """The text of each block, in order (a context's elements joined)."""
    out = []
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        else:
            out.append(" ".join(e["text"] for e in block["elements"]))
    return out


def summary_keys(gl) -> list[str]:
    with gl.transaction() as s:
        return sorted(s.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("summary:%"))))


def test_a_week_of_activity_gives_exactly_these_sections_and_numbers(slack, gl, fake, clock):
    # Monday 7 December, 10:00 Berlin: after this week's 09:00 summary moment.
    new(slack, "Training plan &amp; budget &lt;2027&gt; <!channel>", ["UALICE", "UBOB"])  # GL-1
    new(slack, "Office move", ["UCAROL"])  # GL-2, rejected Wednesday
    new(slack, "Hiring plan", ["UALICE"])  # GL-3, approved Wednesday
    new(slack, "New CRM", ["UBOB"])  # GL-4, withdrawn Wednesday
    new(slack, "Vendor switch", ["UALICE"])  # GL-5, escalated Thursday
    new(slack, "Pilot", ["UCAROL"])  # GL-6, proceeding, report overdue
    new(slack, "Newsletter", ["UALICE"])  # GL-7, proceeded and reported
    new(slack, "Canteen", ["UBOB"], channel="COTHER")  # GL-8, another channel
    sweep(gl)
    assert summaries(gl, fake) == []  # registered after this week's moment: the first summary is next week's

    clock.set(at(2026, 12, 8))
    assert references(slack.command("approve GL-1 fine by me", user="UBOB")["text"]) == ["GL-1"]
    with gl.transaction() as s:
        assert (
            s.scalar(select(Approval.decision).where(Approval.approver_id == "UBOB", Approval.initiative_id == 1))
            == "approved"
        )
    sweep(gl)
    clock.set(at(2026, 12, 9))
    assert new(slack, "Team offsite", ["UBOB", "UCAROL"]) == 9
    slack.command("reject GL-2 No budget", user="UCAROL")
    slack.command("approve GL-3", user="UALICE")
    slack.command("withdraw GL-4 superseded")
    sweep(gl)
    clock.set(at(2026, 12, 10))
    set_initiative(gl, 5, status="escalated", escalated_at=clock.now(), escalate_at=None)
    assert references(slack.command("proceed GL-6", user="USPONSOR")["text"]) == ["GL-6"]
    with gl.transaction() as s:
        assert s.scalar(select(Initiative.status).where(Initiative.number == 6)) == "proceeding"
    set_initiative(gl, 6, report_due=date(2026, 12, 11))
    slack.command("proceed GL-7", user="USPONSOR")
    sweep(gl)
    clock.set(at(2026, 12, 11))
    reported = slack.command("report GL-7 sent to 4,000 readers")["text"]
    assert references(reported) == ["GL-7"] and channels(reported) == ["CPLANS"]  # posted there
    sweep(gl)

    clock.set(at(2026, 12, 14, 7, 59))  # Monday 08:59 Berlin: not yet
    sweep(gl)
    assert summaries(gl, fake) == []
    clock.set(at(2026, 12, 14, 8, 0))  # Monday 09:00 Berlin
    sweep(gl)

    [plans] = summaries(gl, fake, "CPLANS")
    assert texts(plans) == [
        "Weekly summary · week of Mon 14 Dec 2026",
        "<#CPLANS> · 2 stalled · 1 waiting on the sponsor · 1 proceeding · 4 decided last week. "
        "Waits count business days; `/greenlight show GL-n` tells the whole story.",
        "*Stalled, longest wait first*\n"
        "*GL-1* Training plan &amp; budget &lt;2027&gt; @channel: waiting on <@UALICE> (4 business days) "
        "· deadline Fri 29 Jan 2027\n"
        "*GL-9* Team offsite: waiting on <@UBOB> (2 business days), <@UCAROL> (2 business days) "
        "· deadline Fri 29 Jan 2027",
        "*Waiting on the sponsor*\n"
        "*GL-5* Vendor switch: <@USPONSOR> has had the decision for *1 business day* "
        "· still pending: <@UALICE> (4 business days)",
        "*Proceeding without all sign-offs*\n"
        "*GL-6* Pilot: <@USPONSOR> decided to proceed on Thu 10 Dec 2026 without <@UCAROL> "
        "· :warning: *report overdue since Fri 11 Dec 2026*",
        "*Decided last week (since Mon 7 Dec 2026 09:00)*\n"
        "*GL-2* Office move: rejected by <@UCAROL> on Wed 9 Dec 2026\n"
        "*GL-3* Hiring plan: approved on Wed 9 Dec 2026\n"
        "*GL-4* New CRM: withdrawn on Wed 9 Dec 2026\n"
        "*GL-7* Newsletter: proceeded and reported on Fri 11 Dec 2026",
        "*Top blockers*\n"
        "1. <@UALICE>: 9 business days of waiting on 2 initiatives\n"
        "2. <@UBOB>: 2 business days of waiting on 1 initiative\n"
        "3. <@UCAROL>: 2 business days of waiting on 1 initiative",
    ]
    assert plans["text"].startswith("Greenlight weekly summary for the week of Mon 14 Dec 2026: 2 stalled")
    assert "<!channel>" not in text_of(plans) and "<!" not in text_of(plans)

    [other] = summaries(gl, fake, "COTHER")
    assert texts(other)[2:] == [
        "*Stalled, longest wait first*\n*GL-8* Canteen: waiting on <@UBOB> (4 business days) · deadline Fri 29 Jan 2027",
        "*Top blockers*\n1. <@UBOB>: 4 business days of waiting on 1 initiative",
    ]

    # The numbers agree with /greenlight show at the same moment.
    [alice] = lines_about(without_history(text_of(slack.command("show GL-1"))), "UALICE")
    assert "*4 business days*" in alice
    [carol] = lines_about(without_history(text_of(slack.command("show GL-9"))), "UCAROL")
    assert "*2 business days*" in carol

    # The preview shows the same main message, to the person who asked only.
    preview = slack.command("summary", channel="CPLANS")
    assert texts(preview)[:-1] == texts(plans)
    footer = texts(preview)[-1]  # when it is posted: the workspace's day, time and zone
    assert "Monday" in footer and "09:00" in footer and "(Europe/Berlin)" in footer
    empty = slack.command("summary", channel="CEMPTY")
    assert references(text_of(empty)) == [] and texts(empty)[0] != texts(plans)[0]  # nothing to sum up

    # Later sweeps that week post nothing more.
    for hours in (1, 30, 100):
        clock.set(at(2026, 12, 14, 8) + timedelta(hours=hours))
        sweep(gl)
    assert len(summaries(gl, fake, "CPLANS")) == 1 and len(summaries(gl, fake, "COTHER")) == 1
    assert summary_keys(gl) == ["summary:COTHER:2026-W51", "summary:CPLANS:2026-W51"]


def test_with_summary_names_off_the_summary_shows_waits_per_initiative_and_role_naming_nobody(slack, gl, fake, clock):
    new(slack, "Training plan", ["UALICE", "UBOB"])  # GL-1, stalled
    new(slack, "Vendor switch", ["UCAROL"])  # GL-2, escalated
    new(slack, "Pilot", ["UALICE"])  # GL-3, proceeding without Alice
    new(slack, "Office move", ["UBOB"])  # GL-4, rejected
    clock.set(at(2026, 12, 9))
    set_initiative(gl, 2, status="escalated", escalated_at=clock.now(), escalate_at=None)
    slack.command("proceed GL-3", user="USPONSOR")
    slack.command("reject GL-4 No budget", user="UBOB")
    clock.set(at(2026, 12, 14, 8, 0))  # Monday 09:00 Berlin, names on (the default)
    sweep(gl)
    [named] = summaries(gl, fake, "CPLANS")
    assert {"UALICE", "UBOB", "UCAROL", "USPONSOR"} <= set(mentions(text_of(named)))
    assert "*Top blockers*\n1. <@UALICE>" in text_of(named)

    reply = slack.command("settings summary-names off", user="UADMIN")["text"]
    assert "weekly summary" in reply
    clock.set(at(2026, 12, 21, 8, 0))  # the next Monday's summary
    sweep(gl)
    [_, anonymous] = summaries(gl, fake, "CPLANS")
    said = text_of(anonymous)
    assert mentions(said) == [] and "Top blockers" not in said  # nobody named, nobody ranked
    assert texts(anonymous)[2:] == [
        "*Stalled, longest wait first*\n"
        "*GL-1* Training plan: waiting on 2 approvers (9 business days, 9 business days) · deadline Fri 29 Jan 2027",
        "*Waiting on the sponsor*\n"
        "*GL-2* Vendor switch: the sponsor has had the decision for *7 business days* "
        "· still pending: 1 approver (9 business days)",
        "*Proceeding without all sign-offs*\n"
        "*GL-3* Pilot: the sponsor decided to proceed on Wed 9 Dec 2026 without 1 approver · report due Wed 6 Jan 2027",
        "*Waiting by role (names are off)*\n"
        "Approvers: 29 business days of waiting on 2 initiatives\n"
        "Sponsors: 7 business days of deciding on 1 initiative",
    ]
    preview = slack.command("summary", channel="CPLANS")  # the preview follows the setting too
    assert mentions(text_of(preview)) == [] and texts(preview)[2:-1] == texts(anonymous)[2:]


def test_two_sweeps_racing_at_nine_post_one_summary(slack, gl, fake, clock):
    for n in range(3):
        new(slack, f"Plan {n}", ["UALICE", "UBOB"])
    clock.set(at(2026, 12, 14, 8, 0))
    barrier = threading.Barrier(4)
    errors = []

    def run():
        try:
            barrier.wait()
            sweep(gl)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(summaries(gl, fake, "CPLANS")) == 1
    assert summary_keys(gl) == ["summary:CPLANS:2026-W51"]


def cli_env(db, fake, now: datetime, **extra) -> dict:
    """The operator CLI's environment: this one's, on the test database and the fake Slack, its clock at `now`."""
    return bot_env(fake, database_url(db), now, inherit=True, **{"SLACK_SIGNING_SECRET": SIGNING_SECRET, **extra})


def test_two_processes_sweeping_at_nine_post_one_summary(slack, gl, fake, clock, db):
    for n in range(3):
        new(slack, f"Plan {n}", ["UALICE", "UBOB"])
    sweep(gl)
    env = cli_env(db, fake, at(2026, 12, 14, 8, 0))
    with ExitStack() as processes:
        procs = [processes.enter_context(running(cli("sweep"), env)) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
    assert len(summaries(gl, fake, "CPLANS")) == 1
    assert summary_keys(gl) == ["summary:CPLANS:2026-W51"]


def test_down_from_sunday_to_tuesday_posts_on_tuesday_once(slack, gl, fake, clock):
    new(slack, "Plan", ["UALICE"])
    clock.set(at(2026, 12, 13, 22))  # Sunday 23:00 Berlin: last sweep before the outage
    sweep(gl)
    assert summaries(gl, fake) == []
    clock.set(at(2026, 12, 15, 10))  # back on Tuesday
    sweep(gl)
    sweep(gl)
    [posted] = summaries(gl, fake, "CPLANS")
    assert days(texts(posted)[0]) == ["Mon 14 Dec 2026"]  # the week of the Monday it missed
    [line] = lines_about(texts(posted)[2], "GL-1")
    assert mentions(line) == ["UALICE"] and "(6 business days)" in line
    clock.set(at(2026, 12, 18, 15))
    sweep(gl)
    assert len(summaries(gl, fake, "CPLANS")) == 1
    assert summary_keys(gl) == ["summary:CPLANS:2026-W51"]


def test_down_until_the_next_monday_posts_only_the_new_weeks(slack, gl, fake, clock):
    new(slack, "Plan", ["UALICE"])
    clock.set(at(2026, 12, 13, 22))
    sweep(gl)
    clock.set(at(2026, 12, 21, 7, 59))  # back Monday 21st at 08:59 Berlin: last week's summary is never posted
    sweep(gl)
    assert summaries(gl, fake) == [] and summary_keys(gl) == []
    clock.set(at(2026, 12, 21, 8, 30))
    sweep(gl)
    [posted] = summaries(gl, fake, "CPLANS")
    assert days(texts(posted)[0]) == ["Mon 21 Dec 2026"]
    assert summary_keys(gl) == ["summary:CPLANS:2026-W52"]


def test_summary_day_time_and_zone_come_from_the_workspace(slack, gl, fake, clock):
    new(slack, "Plan", ["UALICE"])
    with gl.transaction() as s:
        s.execute(update(Workspace).values(summary_day="wed", summary_time="14:30", timezone="Asia/Tokyo"))
    clock.set(at(2026, 12, 16, 5, 29))  # Wednesday 14:29 Tokyo
    sweep(gl)
    assert summaries(gl, fake) == []
    clock.set(at(2026, 12, 16, 5, 30))
    sweep(gl)
    assert len(summaries(gl, fake, "CPLANS")) == 1
    footer = texts(slack.command("summary", channel="CPLANS"))[-1]
    assert "Wednesday" in footer and "14:30" in footer and "(Asia/Tokyo)" in footer


def check_limits(message: dict) -> None:
    assert message["blocks"] and not message_problems(message)


def test_500_open_initiatives_every_message_within_slacks_limits(slack, gl, fake, clock):
    new(slack, "First", ["UALICE"])
    approvers = [f"UAPPROVER{n:02d}" for n in range(10)]
    title = "<&>" * 50  # 150 characters, the worst case for escaping: 650 once escaped for Slack
    with gl.transaction() as s:
        ws = s.get(Workspace, "T1")
        first = s.scalar(select(Initiative))
        for number in range(2, 501):
            status = "escalated" if number <= 11 else "proceeding" if number <= 21 else "open"
            ini = Initiative(
                team_id="T1",
                number=number,
                title=title,
                owner_id="UOWNER",
                sponsor_id="USPONSOR",
                channel_id="CPLANS",
                status=status,
                deadline=date(2027, 1, 29),
                created_at=first.created_at,
                escalated_at=first.created_at if status == "escalated" else None,
                proceeded_at=first.created_at if status == "proceeding" else None,
                report_due=date(2027, 1, 4) if status == "proceeding" else None,
            )
            ini.approvals = [
                Approval(approver_id=a, position=i, requested_at=first.created_at - timedelta(days=number % 7))
                for i, a in enumerate(approvers)
            ]
            s.add(ini)
        ws.next_number = 501
    clock.set(at(2026, 12, 14, 8, 0))
    sweep(gl)

    [main] = summaries(gl, fake, "CPLANS")
    replies = [c.args for c in fake.calls("chat.postMessage") if c.args.get("thread_ts")]
    assert len(replies) == 3 and len({r["thread_ts"] for r in replies}) == 1
    for message in [main, *replies]:
        check_limits(message)
    assert channels(texts(main)[1]) == ["CPLANS"]
    assert numbers(texts(main)[1])[:3] == [480, 10, 10]  # stalled, waiting on the sponsor, proceeding
    more = [line for t in texts(main) for line in t.split("\n") if line.startswith("…")]
    assert numbers(more[0]) == [475]  # stalled ones left for the thread

    # What the thread could not hold is counted, and the last line says where to see it all.
    last = texts(replies[-1])[-1]
    assert references(last) == [] and "`/greenlight list`" in last  # how many are left out, and where they all are
    rows = [
        line
        for m in replies
        for t in texts(m)
        for line in t.split("\n")
        if line.startswith("*GL-") or line[:1].isdigit()
    ]
    # Beyond the first five of each part: 475 stalled, 5 with the sponsor, 5 proceeding, 6 of 11 blockers.
    assert len(rows) + numbers(last)[0] == 475 + 5 + 5 + 6
    preview = slack.command("summary", channel="CPLANS")
    check_limits(preview)
    assert numbers(texts(preview)[-1])[-1] == 3  # the preview says how many thread replies the rest takes


def test_operator_cli_prints_the_summary_without_slack(slack, gl, fake, clock, db):
    new(slack, "Training plan &amp; more", ["UALICE"])
    env = cli_env(
        db,
        fake,
        at(2026, 12, 14, 8, 0),
        SLACK_API_URL="http://127.0.0.1:9/",
        SLACK_BOT_TOKEN="",
        SLACK_SIGNING_SECRET="",
    )
    result = run(cli("summary", "--channel", "CPLANS"), env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Weekly summary · week of Mon 14 Dec 2026",
        "#CPLANS · 1 stalled · 0 waiting on the sponsor · 0 proceeding · 0 decided last week. "
        "Waits count business days; `/greenlight show GL-n` tells the whole story.",
        "*Stalled, longest wait first*",
    ]
    [line] = [line for line in result.stdout.splitlines() if line.startswith("*GL-1*")]
    assert (
        "Training plan & more" in line and "@alice" in line and "<@" not in line
    )  # names, unescaped, as a person reads
    assert "(4 business days)" in line and days(line) == ["Fri 29 Jan 2027"]
    [blocker] = [line for line in result.stdout.splitlines() if line.startswith("1. ")]
    assert "@alice" in blocker and "4 business days" in blocker
    assert summary_keys(gl) == []  # printing queues nothing


def test_operator_cli_needs_the_team_when_several_workspaces(slack, gl, fake, clock, db, monkeypatch, capsys):
    new(slack, "Plan", ["UALICE"])
    with gl.transaction() as s:
        s.add(Workspace(team_id="T2", timezone="UTC", created_at=clock.now()))
    for name, value in cli_env(db, fake, clock.now()).items():
        monkeypatch.setenv(name, value)
    assert main(["summary", "--channel", "CPLANS"]) == 1
    err = capsys.readouterr().err
    assert "(T1, T2)" in err and "--team" in err  # the workspaces to pick from, and the option that picks
    assert main(["summary", "--channel", "CPLANS", "--team", "T1"]) == 0
    assert lines_about(capsys.readouterr().out, "GL-1")[0].startswith("*GL-1* Plan")


def test_each_decision_is_in_exactly_one_weeks_summary(slack, gl, fake, clock):
    for title in ("Early", "Late", "Still open"):
        new(slack, title, ["UALICE"])
    clock.set(at(2026, 12, 14, 7, 59))  # a minute before Monday's 09:00 Berlin summary
    slack.command("approve GL-1", user="UALICE")
    clock.set(at(2026, 12, 14, 8, 0))
    sweep(gl)
    clock.set(at(2026, 12, 14, 8, 30))  # just after it
    slack.command("approve GL-2", user="UALICE")
    sweep(gl)
    clock.set(at(2026, 12, 21, 8, 0))
    sweep(gl)
    first, second = summaries(gl, fake, "CPLANS")
    # The decided part of each starts at the previous summary moment, and holds what was decided since.
    [decided] = [t for t in texts(first) if "Mon 7 Dec 2026 09:00" in t]
    assert references(decided) == ["GL-1"] and days(decided) == ["Mon 7 Dec 2026", "Mon 14 Dec 2026"]
    assert status_label("approved") in decided
    [decided] = [t for t in texts(second) if "Mon 14 Dec 2026 09:00" in t]
    assert references(decided) == ["GL-2"] and days(decided) == ["Mon 14 Dec 2026", "Mon 14 Dec 2026"]
    assert status_label("approved") in decided
