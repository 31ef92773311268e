"""Time one sweep on a big database: `make bench`, or

    .venv/bin/python bench/sweep.py [--sizes 10000 100000] [--backends sqlite postgresql] [--no-deliver]

For each size and backend it fills a fresh database with that many open initiatives
(3 approvers each, 1% of them due for a nudge, plus the sent outbox rows and events their
registration left behind) with bot/dataset.py's bulk inserts, then times, on a frozen clock:

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
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from bot.dataset import NOW, fill  # noqa: E402

DUE_MARKERS = (
    "next_nudge_at <=",
    "escalate_at <=",
    "next_sponsor_ask_at <=",
    "next_report_reminder_at <=",
    "claimed_until <",
    "GROUP BY initiatives.team_id, initiatives.channel_id",
)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


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
        settings = load_config(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": "x",
                "SLACK_API_URL": fake.url,
                "GREENLIGHT_TIMEZONE": "Europe/Berlin",
                "DATABASE_URL": "sqlite://",
            }
        )
        clock = FrozenClock(NOW)
        gl = Greenlight(settings, clock=clock, engine=engine, sleep=lambda s: None)
        statements = Statements(engine)
        with statements.measure() as queued:
            queue_due(gl)
        with engine.connect() as conn:
            queued["messages"] = conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
            queued["rescheduled"] = conn.scalar(
                text(
                    "SELECT count(*) FROM approvals WHERE nudges_sent = 0 AND next_nudge_at > :now AND requested_at < :old"
                ),
                {
                    "now": NOW.replace(tzinfo=None) if backend == "sqlite" else NOW,
                    "old": (NOW - timedelta(days=2)).replace(tzinfo=None)
                    if backend == "sqlite"
                    else NOW - timedelta(days=2),
                },
            )
        delivered = {}
        if deliver:
            with statements.measure() as delivered:
                delivered["sent"] = gl.sender.deliver_due()
            delivered["slack_calls"] = len(fake.calls("chat.postMessage"))
        clock.advance(minutes=1)
        with statements.measure() as idle:  # the common case: a minute later, nothing is due
            sweep(gl) if deliver else queue_due(gl)
        statements.close()
        result = dict(
            backend=backend,
            n=n,
            fill=filled,
            queued=queued,
            delivered=delivered,
            idle=idle,
            plans=explain(engine, statements.due_queries) if plans else [],
        )
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
        except Exception as e:
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
    print(
        "| backend | initiatives | fill s | due initiatives | queue s | queue stmts | messages queued | "
        "approvals rescheduled | deliver s | deliver stmts | sent | stmts/msg | idle sweep s | idle stmts |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    plans = {}
    for backend in args.backends:
        if backend == "postgresql" and str(found.get("postgresql", "")).startswith("unreachable"):
            print(f"| postgresql | skipped: {found['postgresql']} at {args.postgres_url} |")
            continue
        for n in args.sizes:
            r = run_one(
                backend,
                n,
                deliver=not args.no_deliver,
                postgres_url=args.postgres_url,
                plans=not args.no_plans and n == max(args.sizes),
            )
            q, d = r["queued"], r["delivered"]
            per = f"{d['statements'] / d['sent']:.1f}" if d.get("sent") else "-"
            deliver_cols = (
                f"{d['seconds']:.2f} | {d['statements']} | {d['sent']} | {per}" if d else "excluded | - | - | -"
            )
            print(
                f"| {backend} | {n:,} | {r['fill'].seconds:.1f} | {sum(r['fill'].due.values())} | {q['seconds']:.3f} | "
                f"{q['statements']} | {q['messages']} | {q['rescheduled']} | {deliver_cols} | "
                f"{r['idle']['seconds']:.3f} | {r['idle']['statements']} |",
                flush=True,
            )
            if r["plans"]:
                plans[backend] = r["plans"]
    for backend, found_plans in plans.items():
        print(f"\n## Plans of the due-work queries ({backend}, {max(args.sizes):,} initiatives)")
        for plan in found_plans:
            print("\n" + plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
