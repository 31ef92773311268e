"""Fills a migrated database with many initiatives at once, as the bot would have left them (benchmarks, tests).

Rows are written with bulk inserts (executemany, CHUNK initiatives a transaction), not through the
services: 100,000 initiatives take seconds, not hours. They are still the rows the bot makes: every
due column is computed by the bot's own scheduling rules (bot.services.schedule, bot.calendar), so a
sweep over a filled database does exactly what it would do in production. `bench/fill.py` is the
command line; `bench/sweep.py` and `tests/test_sweep_cost.py` call `fill` directly.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select, text

from bot.calendar import zone
from bot.keys import summary as summary_key
from bot.services.outbox import message as outbox_row
from bot.services.schedule import next_nudge
from bot.services.summary import week_of
from bot.services.workspaces import work_week
from storage.models import AWAY_WORDS, Approval, Event, Initiative, OutboxMessage, Person, Workspace

# Wednesday 9 December 2026, 09:30 UTC: 10:30 in Berlin, 09:30 in London, 01:30 in Los Angeles.
NOW = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
ZONES = ("Europe/Berlin", "Europe/London", "America/Los_Angeles")  # approver k of each initiative lives in ZONES[k]
DUE_KINDS = ("nudge", "escalate", "sponsor_ask", "report")  # each kind of work a sweep can find due
CHANNELS = 50
UNSET = ("closed_at", "report_text", "last_manual_nudge_on")  # initiative columns a filled initiative leaves empty
CHUNK = 20_000


@dataclass
class Filled:
    """What `fill` made."""

    team_id: str
    initiatives: int
    due: dict[str, int]  # initiatives with work due at `now`, by kind
    by_status: dict[str, int]
    channels: int
    people: int
    seconds: float
    heavy_user: str | None = None
    heavy: dict[str, int] = field(default_factory=dict)  # the heavy user's initiatives: owned, pending


def _workspace(team_id: str, now: datetime) -> Workspace:
    """The workspace row with the defaults the migration gives it."""
    return Workspace(
        team_id=team_id,
        timezone="Europe/Berlin",
        working_days="mon,tue,wed,thu,fri",
        working_hours="09:00-17:00",
        holidays=None,
        deadline_days=10,
        first_nudge=2,
        nudge_every=2,
        sponsor_every=2,
        report_after=20,
        report_every=5,
        summary_channel=None,
        summary_day="mon",
        summary_time="09:00",
        next_number=1,
        self_sponsor=False,
        summary_names=True,
        away_words=AWAY_WORDS,
        retention_months=None,
        sponsor_wait=5,
        language="en",
        created_at=now - timedelta(days=90),
    )


def _template(ws: Workspace, kind: str, now: datetime) -> tuple[dict, list[dict]]:
    """Initiative columns and, per approver zone, approval columns for one kind of initiative.

    Kinds with work due at `now`: nudge, escalate, sponsor_ask, report (DUE_KINDS). Kinds with nothing
    due: fresh (open, registered an hour ago), escalated (the sponsor was asked yesterday), proceeding
    (the sponsor said go ahead last week; the report is not due yet)."""
    week, ws_tz, today = work_week(ws), zone(ws.timezone), now.astimezone(zone(ws.timezone)).date()
    if kind == "fresh":
        requested = now - timedelta(hours=1)
    elif kind == "nudge":  # registered 3 business days ago: the first nudge is due
        requested = now - timedelta(days=5)
    else:  # registered long ago
        requested = now - timedelta(days=40)
    deadline = week.add_business_days(requested.astimezone(ws_tz).date(), ws.deadline_days)
    ini = {"status": "open", "deadline": deadline, "escalate_at": week.end_of_day(deadline, ws_tz)}
    ini |= {"created_at": requested, "sponsor_asks": 0}
    ini |= dict.fromkeys(
        ("next_sponsor_ask_at", "next_report_reminder_at", "escalated_at", "proceeded_at", "report_due")
    )
    if kind == "escalate":  # deadline yesterday, not yet escalated
        ini["deadline"] = week.previous_business_day(today)
        ini["escalate_at"] = week.end_of_day(ini["deadline"], ws_tz)
    elif kind in ("sponsor_ask", "escalated"):
        ini["deadline"] = week.previous_business_day(
            week.previous_business_day(today) if kind == "sponsor_ask" else today
        )
        escalated_at = week.end_of_day(ini["deadline"], ws_tz)
        ini.update(
            status="escalated",
            escalate_at=None,
            escalated_at=escalated_at,
            sponsor_asks=1,
            next_sponsor_ask_at=now - timedelta(hours=1)
            if kind == "sponsor_ask"
            else week.next_working_moment(week.after_business_days(escalated_at, ws.sponsor_every, ws_tz), ws_tz),
        )
    elif kind in ("report", "proceeding"):
        # report: proceeded 20 business days ago, the report is due today; proceeding: proceeded 5 days ago.
        proceeded = now - timedelta(days=28 if kind == "report" else 5)
        report_due = (
            today if kind == "report" else week.add_business_days(proceeded.astimezone(ws_tz).date(), ws.report_after)
        )
        ini.update(
            status="proceeding",
            escalate_at=None,
            proceeded_at=proceeded,
            report_due=report_due,
            escalated_at=proceeded - timedelta(days=1),
            sponsor_asks=1,
            deadline=week.previous_business_day(proceeded.astimezone(ws_tz).date()),
            next_report_reminder_at=now - timedelta(hours=1)
            if kind == "report"
            else week.next_working_moment(week.start_of_day(report_due, ws_tz), ws_tz),
        )
    ini["waiting_since"] = requested if ini["status"] in ("open", "escalated") else None  # lists sort by it
    past_deadline = kind != "fresh" and kind != "nudge"  # the last call went out before the deadline
    approvals = []
    for position, tz_name in enumerate(ZONES):
        # Past the deadline the first approver (Berlin) has answered; everyone else still keeps it waiting.
        approved = past_deadline and kind != "escalate" and position == 0
        a = dict(
            requested_at=requested,
            decision="approved" if approved else "pending",
            decided_at=requested + timedelta(days=1) if approved else None,
            nudges_sent=0,
            last_call_sent=past_deadline and not approved,
            snoozed_until=None,
            next_nudge_at=None,
        )
        if ini["status"] == "open" and not a["last_call_sent"]:
            probe_ini = Initiative(status="open", deadline=ini["deadline"], escalate_at=ini["escalate_at"])
            probe = Approval(
                requested_at=requested, decision="pending", nudges_sent=0, last_call_sent=False, snoozed_until=None
            )
            upcoming = next_nudge(ws, week, probe_ini, probe, zone(tz_name))
            a["next_nudge_at"] = upcoming[0] if upcoming else None
        approvals.append(a)
    return ini, approvals


def _kind_of(i: int, every: int, kinds: tuple[str, ...], escalated: float, proceeding: float) -> str:
    """Which kind initiative i is: due ones spread evenly, then the settled mix, the rest fresh."""
    if every and i % every == 0:
        return kinds[(i // every) % len(kinds)]
    r = (i * 617) % 1000 / 1000  # a fixed scramble, so every stretch of ids holds the same mix
    if r < escalated:
        return "escalated"
    if r < escalated + proceeding:
        return "proceeding"
    return "fresh"


def _heavy_roles(n: int, heavy: int) -> dict[int, str]:
    """Initiative index -> 'owner' or 'approver' for the heavy user: `heavy` of each, spread evenly, never both."""
    total = min(2 * heavy, n)
    return {int(j * n / total): "owner" if j % 2 == 0 else "approver" for j in range(total)}


def fill(
    engine: Engine,
    n: int,
    *,
    team_id: str = "T1",
    now: datetime = NOW,
    due: float = 0.01,
    kinds: tuple[str, ...] = ("nudge",),
    escalated: float = 0.0,
    proceeding: float = 0.0,
    people: int = 300,
    heavy_user: str | None = None,
    heavy: int = 1000,
    history: bool = True,
) -> Filled:
    """Add a workspace and n initiatives with 3 approvers each (Berlin, London, Los Angeles) to a migrated database.

    A `due` fraction of them has work due at `now`, spread evenly and taking the `kinds` in turn (nudge
    due, deadline passed, sponsor to re-ask, report reminder due). Of the rest, an `escalated` and a
    `proceeding` fraction wait on their sponsor or their report with nothing due yet; the others are
    open, registered an hour ago. Owners, sponsors and approvers come from a pool of `people` cached
    people; initiatives are spread over 50 channels. A `heavy_user` owns `heavy` initiatives and keeps
    another `heavy` waiting (fewer when n < 2 × heavy). With history, each initiative also has the sent
    announcement and sign-off requests in the outbox and its "registered" event, and this week's summaries
    are posted, as a bot running since Monday would have left them."""
    started = time.perf_counter()
    ws = _workspace(team_id, now)
    templates = {k: _template(ws, k, now) for k in {"fresh", "escalated", "proceeding", *kinds}}
    every = max(1, round(1 / due)) if due else 0
    counts, by_status = dict.fromkeys(kinds, 0), Counter()
    pool = [f"U{i:05d}" for i in range(people)]
    roles = _heavy_roles(n, heavy) if heavy_user else {}
    with engine.connect() as conn:  # ids follow what is already there: several teams can share a database
        first_ini = (conn.scalar(select(func.max(Initiative.id))) or 0) + 1
        first_approval = (conn.scalar(select(func.max(Approval.id))) or 0) + 1
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{c.key: getattr(ws, c.key) for c in Workspace.__table__.columns}])
        person = dict(team_id=team_id, is_bot=False, deleted=False, is_admin=False, fetched_at=now - timedelta(hours=2))
        rows = [dict(person, user_id=u, display_name=u.lower(), tz=ZONES[j % len(ZONES)]) for j, u in enumerate(pool)]
        if heavy_user:  # approver 1 of an initiative lives in ZONES[1]: so does the heavy user
            rows.append(dict(person, user_id=heavy_user, display_name=heavy_user.lower(), tz=ZONES[1]))
        conn.execute(insert(Person), rows)
    for lo in range(0, n, CHUNK):
        inis, approvals, messages, events = [], [], [], []
        for i in range(lo, min(n, lo + CHUNK)):
            number, ini_id = i + 1, first_ini + i
            kind = _kind_of(i, every, kinds, escalated, proceeding)
            if kind in counts:
                counts[kind] += 1
            ini, apps = templates[kind]
            by_status[ini["status"]] += 1
            b = (i * 7) % (people - 15)
            b -= b % 3  # pool[j] lives in ZONES[j % 3]
            who = [pool[b + 4 * k] for k in range(3)]  # one approver in each zone
            owner, sponsor = pool[b + 9], pool[b + 12]
            role = roles.get(i)
            if role == "owner":
                owner = heavy_user
            elif role == "approver":
                who[1] = heavy_user  # pending in every kind of initiative
            channel = f"C{i % CHANNELS:03d}"
            row = {"id": ini_id, "team_id": team_id, "number": number, "title": f"Initiative {number}", "details": ""}
            row |= {"owner_id": owner, "sponsor_id": sponsor, "channel_id": channel, "rule": "all"}
            row |= {"extensions": 0, "report_reminders": 0} | dict.fromkeys(UNSET) | ini
            inis.append(row)
            for pos, (a, uid) in enumerate(zip(apps, who)):
                aid = first_approval + 3 * i + pos
                approvals.append(dict(id=aid, initiative_id=ini_id, approver_id=uid, position=pos, comment=None, **a))
                if history:
                    messages.append(_sent(team_id, f"request:{aid}", uid, ini_id, a["requested_at"]))
                    if a["decision"] == "approved":
                        events.append(_event(team_id, ini_id, uid, "approved", a["decided_at"], comment=None))
            if history:
                messages.append(_sent(team_id, f"announce:{ini_id}", channel, ini_id, ini["created_at"]))
                events.append(
                    _event(
                        team_id,
                        ini_id,
                        owner,
                        "registered",
                        ini["created_at"],
                        approvers=who,
                        deadline=ini["deadline"].isoformat(),
                    )
                )
                if ini["escalated_at"]:
                    events.append(_event(team_id, ini_id, None, "escalated", ini["escalated_at"], to=sponsor))
                if ini["proceeded_at"]:
                    events.append(_event(team_id, ini_id, sponsor, "proceeded", ini["proceeded_at"], note=None))
        with engine.begin() as conn:
            conn.execute(insert(Initiative), inis)
            conn.execute(insert(Approval), approvals)
            if messages:
                conn.execute(insert(OutboxMessage), messages)
                conn.execute(insert(Event), events)
    with engine.begin() as conn:
        conn.execute(Workspace.__table__.update().where(Workspace.team_id == team_id).values(next_number=n + 1))
        if history:  # the bot was running on Monday: this week's summaries are posted
            week = week_of(ws, now)
            channels = sorted({f"C{i % CHANNELS:03d}" for i in range(min(n, CHANNELS))})
            conn.execute(
                insert(OutboxMessage),
                [_sent(team_id, summary_key(c, week), c, None, now - timedelta(days=2)) for c in channels],
            )
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("initiatives", "approvals"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    with engine.connect() as conn:  # fresh statistics, as autovacuum / a long-running database would have
        conn.execute(text("ANALYZE"))
        conn.commit()
    heavy_counts = {}
    if heavy_user:
        taken = Counter(roles.values())
        heavy_counts = {"owned": taken["owner"], "pending": taken["approver"]}
    return Filled(
        team_id=team_id,
        initiatives=n,
        due=counts,
        by_status=dict(by_status),
        channels=min(n, CHANNELS),
        people=len(pool) + bool(heavy_user),
        seconds=time.perf_counter() - started,
        heavy_user=heavy_user,
        heavy=heavy_counts,
    )


def _sent(team_id: str, key: str, recipient: str, initiative_id: int | None, at: datetime) -> dict:
    """An outbox row for a message that went out at `at`."""
    queued = outbox_row(team_id, key, recipient, {"text": key}, now=at, initiative_id=initiative_id)
    channel = ("D" + recipient) if recipient.startswith("U") else recipient
    return {**queued, "status": "sent", "attempts": 1, "channel": channel, "ts": "1700000000.000100", "sent_at": at}


def _event(team_id: str, initiative_id: int, actor_id: str | None, kind: str, at: datetime, **data) -> dict:
    return dict(team_id=team_id, initiative_id=initiative_id, actor_id=actor_id, kind=kind, data=data, at=at)
