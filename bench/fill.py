"""Migrate a database and fill it with a benchmark-sized data set (bot.dataset), then say what was made:

    .venv/bin/python bench/fill.py DATABASE_URL --initiatives N --team T --heavy-user U

N initiatives with 3 approvers each (Berlin, London, Los Angeles) across 50 channels: mostly open, with
an escalated and a proceeding share (--escalated, --proceeding) and a due share (--due) that a sweep at
--now finds work on (nudges, deadlines, sponsor re-asks, report reminders). U owns 1,000 of them and
keeps another 1,000 waiting (--heavy). The team must not be in the database yet; other teams may be.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.config import normalize_database_url  # noqa: E402
from bot.dataset import DUE_KINDS, NOW, fill  # noqa: E402
from storage.db import make_engine, migrate  # noqa: E402
from storage.models import Approval, Initiative, Workspace  # noqa: E402


def report(engine, filled) -> list[str]:
    """What the database now holds for the team, read back from it."""
    team = filled.team_id
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(
                select(Initiative.status, func.count()).where(Initiative.team_id == team).group_by(Initiative.status)
            ).all()
        )
        channels = conn.scalar(
            select(func.count(func.distinct(Initiative.channel_id))).where(Initiative.team_id == team)
        )
        approvals = conn.scalar(
            select(func.count()).select_from(Approval).join(Initiative).where(Initiative.team_id == team)
        )
        lines = [
            f"team {team}: {sum(statuses.values()):,} initiatives, {approvals:,} approvals, {channels} channels, "
            f"{filled.people} people, filled in {filled.seconds:.1f} s",
            "by status: " + ", ".join(f"{s} {c:,}" for s, c in sorted(statuses.items())),
            "due now: " + ", ".join(f"{k} {c:,}" for k, c in filled.due.items()),
        ]
        if filled.heavy_user:
            u = filled.heavy_user
            owned = conn.scalar(
                select(func.count()).select_from(Initiative).where(Initiative.team_id == team, Initiative.owner_id == u)
            )
            pending = conn.scalar(
                select(func.count())
                .select_from(Approval)
                .join(Initiative)
                .where(Initiative.team_id == team, Approval.approver_id == u, Approval.decision == "pending")
            )
            lines.append(f"heavy user {u}: owns {owned:,}, pending on {pending:,}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url", metavar="DATABASE_URL", help="sqlite:///path.db or postgresql://…")
    parser.add_argument("--initiatives", type=int, default=10_000, metavar="N", help="how many (default 10000)")
    parser.add_argument("--team", default="T1", metavar="T", help="the Slack team id (default T1)")
    parser.add_argument(
        "--heavy-user", metavar="U", help="a user id that owns --heavy initiatives and is pending on --heavy more"
    )
    parser.add_argument("--heavy", type=int, default=1000, help="the heavy user's share of each (default 1000)")
    parser.add_argument(
        "--people", type=int, default=300, help="owners, sponsors and approvers to draw from (default 300)"
    )
    parser.add_argument("--due", type=float, default=0.01, help="fraction with work due at --now (default 0.01)")
    parser.add_argument("--escalated", type=float, default=0.10, help="fraction waiting on the sponsor (default 0.10)")
    parser.add_argument(
        "--proceeding", type=float, default=0.10, help="fraction proceeding, report not yet due (default 0.10)"
    )
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=NOW,
        help=f"the moment the data is made for, ISO with offset (default {NOW.isoformat()})",
    )
    args = parser.parse_args(argv)
    if args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-12-09T09:30+00:00")
    if args.people < 16:
        parser.error("--people must be at least 16")

    engine = make_engine(normalize_database_url(args.database_url))
    try:
        migrate(engine)
        with engine.connect() as conn:
            if conn.scalar(select(Workspace.team_id).where(Workspace.team_id == args.team)):
                print(
                    f"team {args.team} is already in this database; fill an empty one or pick another --team",
                    file=sys.stderr,
                )
                return 1
        filled = fill(
            engine,
            args.initiatives,
            team_id=args.team,
            now=args.now,
            due=args.due,
            kinds=DUE_KINDS,
            escalated=args.escalated,
            proceeding=args.proceeding,
            people=args.people,
            heavy_user=args.heavy_user,
            heavy=args.heavy,
        )
        print("\n".join(report(engine, filled)))
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
