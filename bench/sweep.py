"""Time one sweep on a big database: `make bench`, or

    .venv/bin/python bench/sweep.py [--sizes 10000 100000] [--backends sqlite postgresql] [--no-deliver]

For each size and backend it fills a fresh database with that many open initiatives
(3 approvers each, 1% of them due for a nudge, plus the sent outbox rows and events their
registration left behind) using bulk inserts, then times, on a frozen clock:

- the queueing pass (bot.jobs.queue_due: everything due becomes outbox rows),
- delivery (Sender.deliver_due) against a local fake Slack (tests/fake_slack.py),

counts the SQL statements of each, and prints the query plans of the statements that
look for due work. PostgreSQL: 127.0.0.1:5432 db test (or --postgres-url), in a schema
of its own (gl_bench) that is dropped afterwards; it is skipped with a note when unreachable.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, text  # noqa: E402

from bot.calendar import zone  # noqa: E402
from bot.services.schedule import next_nudge  # noqa: E402
from bot.keys import summary as summary_key  # noqa: E402
from bot.services.summary import week_of  # noqa: E402
from bot.services.workspaces import work_week  # noqa: E402
from storage.models import Approval, Event, Initiative, OutboxMessage, Person, Workspace  # noqa: E402

# Wednesday 9 December 2026, 09:30 UTC: 10:30 in Berlin, 09:30 in London, 01:30 in Los Angeles.
NOW = datetime(2026, 12, 9, 9, 30, tzinfo=UTC)
TEAM = "T1"
ZONES = ("Europe/Berlin", "Europe/London", "America/Los_Angeles")
KINDS = ("nudge", "escalate", "sponsor_ask", "report")
CHUNK = 20_000
DUE_MARKERS = ("next_nudge_at <=", "escalate_at <=", "next_sponsor_ask_at <=", "next_report_reminder_at <=",
               "claimed_until <", "GROUP BY initiatives.team_id, initiatives.channel_id")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Filled:
    initiatives: int
    due: dict[str, int]
    seconds: float


def _workspace_template(now: datetime) -> Workspace:
    """The workspace row with the defaults the migration gives it."""
    return Workspace(team_id=TEAM, timezone="Europe/Berlin", working_days="mon,tue,wed,thu,fri", working_hours="09:00-17:00",
                     holidays=None, deadline_days=10, first_nudge=2, nudge_every=2, sponsor_every=2, report_after=20,
                     report_every=5, summary_channel=None, summary_day="mon", summary_time="09:00", next_number=1,
                     self_sponsor=False, summary_names=True, retention_months=None, created_at=now - timedelta(days=90))


def _template(ws: Workspace, kind: str, now: datetime) -> tuple[dict, list[dict]]:
    """Initiative columns and, per approver zone, approval columns for one kind of initiative."""
    week, ws_tz, today = work_week(ws), zone(ws.timezone), now.astimezone(zone(ws.timezone)).date()
    if kind == "fresh":  # registered an hour ago: first nudge in 2 business days
        requested = now - timedelta(hours=1)
    elif kind == "nudge":  # registered 3 business days ago: the first nudge is due
        requested = now - timedelta(days=5)
    else:  # registered long ago
        requested = now - timedelta(days=40)
    deadline = week.add_business_days(requested.astimezone(ws_tz).date(), ws.deadline_days)
    ini = dict(status="open", deadline=deadline, escalate_at=week.end_of_day(deadline, ws_tz), created_at=requested,
               next_sponsor_ask_at=None, next_report_reminder_at=None, escalated_at=None, proceeded_at=None,
               report_due=None, sponsor_asks=0)
    last_call_sent = False
    if kind == "escalate":  # deadline yesterday, not yet escalated
        ini["deadline"] = week.previous_business_day(today)
        ini["escalate_at"] = week.end_of_day(ini["deadline"], ws_tz)
        last_call_sent = True
    elif kind == "sponsor_ask":  # escalated two business days ago, sponsor still silent
        ini.update(status="escalated", escalate_at=None, escalated_at=now - timedelta(days=2), sponsor_asks=1,
                   next_sponsor_ask_at=now - timedelta(hours=1), deadline=week.previous_business_day(today) - timedelta(days=2))
        last_call_sent = True
    elif kind == "report":  # proceeded 20 business days ago: the report is due today
        ini.update(status="proceeding", escalate_at=None, proceeded_at=now - timedelta(days=28), report_due=today,
                   next_report_reminder_at=now - timedelta(hours=1), deadline=today - timedelta(days=30))
        last_call_sent = True
    approvals = []
    for tz_name in ZONES:
        a = dict(requested_at=requested, decision="pending", nudges_sent=0, last_call_sent=last_call_sent,
                 snoozed_until=None, next_nudge_at=None)
        if ini["status"] == "open" and not last_call_sent:
            probe_ini = Initiative(status="open", deadline=ini["deadline"], escalate_at=ini["escalate_at"])
            probe = Approval(requested_at=requested, decision="pending", nudges_sent=0, last_call_sent=False, snoozed_until=None)
            upcoming = next_nudge(ws, week, probe_ini, probe, zone(tz_name))
            a["next_nudge_at"] = upcoming[0] if upcoming else None
        approvals.append(a)
    return ini, approvals


def fill(engine, n: int, *, now: datetime = NOW, due: float = 0.01, kinds: tuple[str, ...] = ("nudge",),
         people: int = 300, history: bool = True) -> Filled:
    """Fill an empty, migrated database with n initiatives, 3 approvers each; a `due` fraction has work due now.

    Due initiatives are spread evenly and take the `kinds` in turn (nudge due, deadline passed, sponsor to
    re-ask, report reminder due). With history, each initiative also has the sent announcement and sign-off
    requests in the outbox and its "registered" event, as registration would have left them."""
    started = time.perf_counter()
    ws = _workspace_template(now)
    templates = {k: _template(ws, k, now) for k in ("fresh", *kinds)}
    every = max(1, round(1 / due)) if due else 0
    counts = dict.fromkeys(kinds, 0)
    pool = [f"U{i:05d}" for i in range(people)]
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{c.key: getattr(ws, c.key) for c in Workspace.__table__.columns}])
        conn.execute(insert(Person), [dict(team_id=TEAM, user_id=u, display_name=u.lower(), tz=ZONES[i % len(ZONES)],
                                           is_bot=False, deleted=False, is_admin=False, fetched_at=now - timedelta(hours=2))
                                      for i, u in enumerate(pool)])
    for lo in range(0, n, CHUNK):
        inis, approvals, messages, events = [], [], [], []
        for i in range(lo, min(n, lo + CHUNK)):
            number = i + 1
            kind = "fresh"
            if every and i % every == 0:
                kind = kinds[(i // every) % len(kinds)]
                counts[kind] += 1
            ini, apps = templates[kind]
            # Approvers in the three zones, owner and sponsor elsewhere in the pool.
            b = (i * 7) % (people - 15)
            b -= b % 3  # pool[j] lives in ZONES[j % 3]
            who = [pool[b + 4 * k] for k in range(3)]  # one approver in each zone
            owner, sponsor = pool[b + 9], pool[b + 12]
            inis.append(dict(id=number, team_id=TEAM, number=number, title=f"Initiative {number}", details="",
                             owner_id=owner, sponsor_id=sponsor, channel_id=f"C{i % 50:03d}", rule="all", closed_at=None,
                             report_text=None, extensions=0, report_reminders=0, last_manual_nudge_on=None, **ini))
            for pos, (a, uid) in enumerate(zip(apps, who)):
                aid = 3 * i + pos + 1
                approvals.append(dict(id=aid, initiative_id=number, approver_id=uid, position=pos, decided_at=None,
                                      comment=None, **a))
                if history:
                    messages.append(_sent(f"request:{aid}", uid, number, a["requested_at"]))
            if history:
                messages.append(_sent(f"announce:{number}", f"C{i % 50:03d}", number, ini["created_at"]))
                events.append(dict(team_id=TEAM, initiative_id=number, actor_id=owner, kind="registered",
                                   data={"approvers": who}, at=ini["created_at"]))
        with engine.begin() as conn:
            conn.execute(insert(Initiative), inis)
            conn.execute(insert(Approval), approvals)
            if messages:
                conn.execute(insert(OutboxMessage), messages)
                conn.execute(insert(Event), events)
    with engine.begin() as conn:
        conn.execute(Workspace.__table__.update().values(next_number=n + 1))
        if history:  # the bot was running on Monday: this week's summaries are posted
            week = week_of(ws, now)
            channels = sorted({f"C{i % 50:03d}" for i in range(min(n, 50))})
            conn.execute(insert(OutboxMessage), [_sent(summary_key(c, week), c, None, now - timedelta(days=2)) for c in channels])
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("initiatives", "approvals"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with engine.connect() as conn:  # fresh statistics, as autovacuum / a long-running database would have
        conn.execute(text("ANALYZE"))
        conn.commit()
    return Filled(n, counts, time.perf_counter() - started)


def _sent(key: str, recipient: str, initiative_id: int | None, at: datetime) -> dict:
    return dict(team_id=TEAM, key=key, initiative_id=initiative_id, method="chat.postMessage", recipient=recipient,
                target_key=None, payload={"text": key}, status="sent", attempts=1, next_attempt_at=at, claimed_until=None,
                channel=("D" + recipient) if recipient.startswith("U") else recipient, ts="1700000000.000100", error=None,
                created_at=at, sent_at=at)


class Statements:
    """Counts the SQL statements an engine executes (executemany counts once) and keeps the due-work queries."""

    def __init__(self, engine):
        self.engine, self.count, self.due_queries = engine, 0, {}
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        if statement.lstrip().upper().startswith("SELECT") and any(m in statement for m in DUE_MARKERS):
            self.due_queries.setdefault(statement, parameters)

    @contextmanager
    def measure(self):
        """Yields a dict that gets 'statements' and 'seconds' when the block ends."""
        result, before, started = {}, self.count, time.perf_counter()
        yield result
        result["statements"], result["seconds"] = self.count - before, time.perf_counter() - started

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def explain(engine, queries: dict) -> list[str]:
    """The plan of each due-work query, as the database would run it now."""
    out = []
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, params in queries.items():
            cursor = raw.cursor()
            cursor.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params)
            rows = cursor.fetchall()
            cursor.close()
            plan = "\n".join(f"{r[1]}:{r[3]}" if sqlite else r[0] for r in rows)
            out.append(" ".join(statement.split()) + "\n" + plan)
        conn.rollback()
    return out


def _sqlite_engine(folder: str):
    from storage.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{folder}/bench.db")
    migrate(engine)
    return engine, lambda: engine.dispose()


def _postgres_engine(url: str):
    from bot.config import normalize_database_url
    from storage.db import make_engine, migrate

    url, schema = normalize_database_url(url), "gl_bench"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    migrate(engine)

    def drop():
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return engine, drop


def run_one(backend: str, n: int, *, deliver: bool, postgres_url: str, plans: bool) -> dict:
    from bot.clock import FrozenClock
    from bot.config import load_config
    from bot.jobs import queue_due, sweep
    from bot.runtime import Greenlight
    from tests.fake_slack import FakeSlack

    folder = tempfile.mkdtemp(prefix="gl-bench-")
    engine, cleanup = _sqlite_engine(folder) if backend == "sqlite" else _postgres_engine(postgres_url)
    fake = FakeSlack().start()
    try:
        filled = fill(engine, n)
        settings = load_config({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "x", "SLACK_API_URL": fake.url,
                                  "GREENLIGHT_TIMEZONE": "Europe/Berlin", "DATABASE_URL": "sqlite://"})
        clock = FrozenClock(NOW)
        gl = Greenlight(settings, clock=clock, engine=engine, sleep=lambda s: None)
        statements = Statements(engine)
        with statements.measure() as queued:
            queue_due(gl)
        with engine.connect() as conn:
            queued["messages"] = conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
            queued["rescheduled"] = conn.scalar(text(
                "SELECT count(*) FROM approvals WHERE nudges_sent = 0 AND next_nudge_at > :now AND requested_at < :old"),
                {"now": NOW.replace(tzinfo=None) if backend == "sqlite" else NOW, "old": (NOW - timedelta(days=2)).replace(
                    tzinfo=None) if backend == "sqlite" else NOW - timedelta(days=2)})
        delivered = {}
        if deliver:
            with statements.measure() as delivered:
                delivered["sent"] = gl.sender.deliver_due()
            delivered["slack_calls"] = len(fake.calls("chat.postMessage"))
        clock.advance(minutes=1)
        with statements.measure() as idle:  # the common case: a minute later, nothing is due
            sweep(gl) if deliver else queue_due(gl)
        statements.close()
        result = dict(backend=backend, n=n, fill=filled, queued=queued, delivered=delivered, idle=idle,
                      plans=explain(engine, statements.due_queries) if plans else [])
        return result
    finally:
        fake.stop()
        cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def versions(postgres_url: str | None) -> dict:
    import platform
    import sqlite3

    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    if postgres_url:
        try:
            from bot.config import normalize_database_url
            from storage.db import make_engine

            engine = make_engine(normalize_database_url(postgres_url))
            with engine.connect() as conn:
                found["postgresql"] = conn.scalar(text("SHOW server_version"))
            engine.dispose()
        except Exception as e:  # noqa: BLE001 - reported, not fatal
            found["postgresql"] = f"unreachable ({type(e).__name__})"
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000], help="initiative counts (default 10000)")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default=os.environ.get("GREENLIGHT_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--no-deliver", action="store_true", help="time the queueing pass only")
    parser.add_argument("--no-plans", action="store_true", help="do not print query plans")
    args = parser.parse_args(argv)
    found = versions(args.postgres_url if "postgresql" in args.backends else None)
    print("# " + ", ".join(f"{k} {v}" for k, v in found.items()) + f", {os.cpu_count()} CPUs")
    print("| backend | initiatives | fill s | due initiatives | queue s | queue stmts | messages queued | "
          "approvals rescheduled | deliver s | deliver stmts | sent | stmts/msg | idle sweep s | idle stmts |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    plans = {}
    for backend in args.backends:
        if backend == "postgresql" and str(found.get("postgresql", "")).startswith("unreachable"):
            print(f"| postgresql | skipped: {found['postgresql']} at {args.postgres_url} |")
            continue
        for n in args.sizes:
            r = run_one(backend, n, deliver=not args.no_deliver, postgres_url=args.postgres_url,
                        plans=not args.no_plans and n == max(args.sizes))
            q, d = r["queued"], r["delivered"]
            per = f"{d['statements'] / d['sent']:.1f}" if d.get("sent") else "-"
            deliver_cols = (f"{d['seconds']:.2f} | {d['statements']} | {d['sent']} | {per}" if d else "excluded | - | - | -")
            print(f"| {backend} | {n:,} | {r['fill'].seconds:.1f} | {sum(r['fill'].due.values())} | {q['seconds']:.3f} | "
                  f"{q['statements']} | {q['messages']} | {q['rescheduled']} | {deliver_cols} | "
                  f"{r['idle']['seconds']:.3f} | {r['idle']['statements']} |", flush=True)
            if r["plans"]:
                plans[backend] = r["plans"]
    for backend, found_plans in plans.items():
        print(f"\n## Plans of the due-work queries ({backend}, {max(args.sizes):,} initiatives)")
        for plan in found_plans:
            print("\n" + plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
