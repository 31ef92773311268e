"""Scale out on PostgreSQL, proven: several web and clock processes on one database, two of them killed mid-run.

    .venv/bin/python bench/scale_out.py [--requests 5000] [--nudges 2000] [--webs 3] [--clocks 2] [--clients 12]

What it does (figures in BENCHMARKS.md, "Scale-out"):

1. a fresh schema (gl_scale) on PostgreSQL (127.0.0.1:5432 db test, or --postgres-url / GREENLIGHT_BENCH_POSTGRES_URL),
   migrated by `python -m bot migrate`, filled by bot.dataset's fill() and spread over 20 workspaces (T01..T20):
   2 x nudges/2 initiatives whose first nudge is due (a Berlin and a London approver each get one; the Los Angeles
   approver is outside working hours) and as many that are not due, whose approvers will click Approve;
2. a fake Slack (tests/fake_slack.py) in this process; --webs copies of the Procfile's `web` (gunicorn, 2 workers
   each) on their own ports, each in its own process group, behind a round-robin "load balancer" in this process
   that sends a request to the next live replica when a connection is refused or reset;
3. --requests signed requests from --clients threads across the 20 workspaces: 20% `new` registrations, 20% Approve
   clicks, 20% each `list`, `mine` and `show`; at 40% of them --clocks `python -m bot clock` processes start (their
   first sweep queues and sends the nudges); at 50% one web replica and one clock are killed with SIGKILL (the whole
   process group, as a container is);
4. then it waits until every outbox row is sent (a message claimed by the killed clock waits out its 5-minute lease)
   and counts: ack and reply times, requests unanswered, outbox rows not sent, duplicates at Slack and why.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.config import normalize_database_url  # noqa: E402
from bot.dataset import NOW, fill  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import Approval, Initiative, OutboxMessage, Person, Workspace  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.slack_driver import click_payload, command_body, interaction_body, signed_headers  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "gl_scale"
SECRET = "scale-out-signing-secret"
FORM = "application/x-www-form-urlencoded"
TEAM = "T1"  # filled first, then copied to the 20 workspaces below and removed
TEAMS = [f"T{n:02d}" for n in range(1, 21)]
ACK_LIMIT = 3.0  # Slack's rule: a request is acknowledged within 3 s
LEASE_WAIT = 5 * 60 + 150  # a claimed message waits out its lease, then the next sweep (every minute) sends it


def log(*args) -> None:
    print(time.strftime("%H:%M:%S"), *args, flush=True)


# ---- the database ---------------------------------------------------------------------------------------------


def prepare(url: str, nudges: int, env: dict) -> tuple:
    """A migrated schema holding `nudges` due nudges and as many initiatives to approve, over 20 workspaces."""
    admin = make_engine(normalize_database_url(url))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    done = subprocess.run([sys.executable, "-m", "bot", "migrate"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    engine = make_engine(normalize_database_url(url), connect_args={"options": f"-csearch_path={SCHEMA}"})
    # Half of them due: each due initiative has a Berlin and a London approver in working hours (2 nudges).
    fill(engine, nudges, team_id=TEAM, due=0.5, kinds=("nudge",))
    with engine.begin() as conn:
        ws = conn.execute(select(Workspace).where(Workspace.team_id == TEAM)).mappings().one()
        conn.execute(insert(Workspace), [{**ws, "team_id": t} for t in TEAMS])
        people = [dict(p) for p in conn.execute(select(Person)).mappings()]
        conn.execute(insert(Person), [{**p, "team_id": t} for t in TEAMS for p in people])
        conn.execute(text("UPDATE initiatives SET team_id = 'T' || lpad(((id - 1) % 20 + 1)::text, 2, '0')"))
        conn.execute(text("UPDATE events e SET team_id = i.team_id FROM initiatives i WHERE e.initiative_id = i.id"))
        conn.execute(text("UPDATE outbox o SET team_id = i.team_id FROM initiatives i WHERE o.initiative_id = i.id"))
        columns = [c.name for c in OutboxMessage.__table__.columns if c.name not in ("id", "team_id")]
        for t in TEAMS:  # this week's summaries were posted in every workspace
            conn.execute(
                text(
                    f"INSERT INTO outbox (team_id, {', '.join(columns)}) SELECT :t, {', '.join(columns)} "
                    "FROM outbox WHERE team_id = :old AND initiative_id IS NULL"
                ),
                {"t": t, "old": TEAM},
            )
        conn.execute(text("DELETE FROM outbox WHERE team_id = :old"), {"old": TEAM})
        conn.execute(text("DELETE FROM people WHERE team_id = :old"), {"old": TEAM})
        conn.execute(text("DELETE FROM workspaces WHERE team_id = :old"), {"old": TEAM})
        approvable = conn.execute(
            select(Approval.initiative_id, Approval.approver_id, Initiative.team_id)
            .join(Initiative)
            .where(Approval.position == 0, Approval.next_nudge_at > NOW)
            .order_by(Approval.id)
        ).all()
        due = conn.scalar(select(func.count()).select_from(Approval).where(Approval.next_nudge_at <= NOW))
        first_id = conn.scalar(text("SELECT coalesce(max(id), 0) FROM outbox"))
    admin.dispose()
    return engine, [tuple(r) for r in approvable], due, first_id


# ---- processes --------------------------------------------------------------------------------------------------


class Process:
    """One web replica or clock, in its own process group (killed whole, as a container is)."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path, port: int | None = None):
        self.name, self.port = name, port
        self.log = open(log_dir / f"{name}.log", "w")
        self.popen = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.alive = True

    def kill(self) -> None:
        self.alive = False
        os.killpg(self.popen.pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
        self.log.close()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(web: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web.port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{web.name} did not answer /healthz within {timeout} s")


# ---- the load -------------------------------------------------------------------------------------------------


class Balancer:
    """Round robin over live replicas; a refused or reset connection goes to the next replica."""

    def __init__(self, webs: list[Process]):
        self.webs = webs
        self.turn = itertools.count()
        self.resent = Counter()  # why a request was sent again to another replica

    def post(self, body: str) -> tuple[int | None, float, int]:
        """(status, seconds to the answer, replicas tried)."""
        headers = {k: v[0] for k, v in signed_headers(body, SECRET, FORM).items()}
        started = time.monotonic()
        for attempt in range(1, 4):
            live = [w for w in self.webs if w.alive] or self.webs
            web = live[next(self.turn) % len(live)]
            request = urllib.request.Request(
                f"http://127.0.0.1:{web.port}/slack/events", data=body.encode(), headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
                    return response.status, time.monotonic() - started, attempt
            except urllib.error.HTTPError as e:
                return e.code, time.monotonic() - started, attempt
            except (OSError, urllib.error.URLError) as e:
                self.resent[type(getattr(e, "reason", e)).__name__] += 1
        return None, time.monotonic() - started, 3


def requests_to_send(count: int, approvable: list[tuple], fake: FakeSlack) -> list[tuple[str, str, str]]:
    """(name, kind, body) of each request: registrations, Approve clicks, list, mine and show, across 20 teams."""
    rng = random.Random(7)
    clicks = iter(approvable)
    out = []
    for i in range(count):
        team = TEAMS[i % 20]
        name = f"r{i}"
        url = fake.response_url(name)
        kind = ("new", "approve", "list", "mine", "show")[i % 5]
        if kind == "approve" and (click := next(clicks, None)):
            initiative_id, approver, team = click
            payload = click_payload("approve", str(initiative_id), approver, url, team, {"ts": "1700000000.000100"})
            out.append((name, kind, interaction_body(payload)))
            continue
        if kind in ("new", "approve"):
            kind = "new"
            text_ = (
                f"new Scale plan {i} approvers <@UAPP{rng.randint(1, 4)}|a> <@UAPP{rng.randint(5, 8)}|b> "
                f"sponsor <@USPONSOR|s>"
            )
        elif kind == "show":
            text_ = f"show GL-{rng.randrange(TEAMS.index(team) + 1, 2000, 20)}"
        else:
            text_ = kind
        out.append((name, kind, command_body(text_, "UOWNER", "CGENERAL", url, team)))
    return out


# ---- the run ----------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--nudges", type=int, default=2000)
    parser.add_argument("--webs", type=int, default=3)
    parser.add_argument("--clocks", type=int, default=2)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--postgres-url", default=os.environ.get("GREENLIGHT_BENCH_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--logs", default="/tmp/greenlight-scale-out", help="folder for the processes' logs")
    args = parser.parse_args(argv)
    log_dir = Path(args.logs)
    log_dir.mkdir(parents=True, exist_ok=True)

    fake = FakeSlack().start()
    for u in ["UOWNER", "USPONSOR", *[f"UAPP{k}" for k in range(1, 9)]]:
        fake.add_user(u, name=u.lower(), tz="Europe/Berlin")
    sep = "&" if "?" in args.postgres_url else "?"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-scale",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "DATABASE_URL": f"{args.postgres_url}{sep}options=-csearch_path%3D{SCHEMA}",
        "GREENLIGHT_TIMEZONE": "Europe/Berlin",
        "GREENLIGHT_NOW": NOW.isoformat(),
        "GREENLIGHT_SCHEDULER": "off",
        "LOG_LEVEL": "WARNING",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log(f"filling {args.nudges} initiatives (half due: {args.nudges} nudges) over 20 workspaces")
    engine, approvable, due_approvals, first_outbox_id = prepare(args.postgres_url, args.nudges, env)
    log(f"{due_approvals} approvals due at {NOW:%a %d %b %H:%M} UTC; {len(approvable)} approvable")

    web_command = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    webs = []
    for k in range(args.webs):
        port = free_port()
        webs.append(
            Process(
                f"web{k + 1}",
                ["bash", "-c", f"exec {web_command}"],
                {**env, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(log_dir / f"metrics-web{k + 1}")},
                log_dir,
                port,
            )
        )
    for web in webs:
        wait_ready(web)
    log(f"{args.webs} web replicas up ({web_command.split(' --bind')[0]})")

    balancer = Balancer(webs)
    todo = requests_to_send(args.requests, approvable, fake)
    results: dict[str, tuple] = {}
    sent_at: dict[str, float] = {}
    clocks: list[Process] = []
    done = itertools.count(1)
    events = {}

    def one(item):
        name, kind, body = item
        sent_at[name] = time.time()
        results[name] = (kind, *balancer.post(body))
        n = next(done)
        if n == args.requests * 2 // 5:
            for k in range(args.clocks):
                clocks.append(Process(f"clock{k + 1}", [sys.executable, "-m", "bot", "clock"], env, log_dir))
            events["clocks started"] = time.time()
            log(f"{n} requests sent: {args.clocks} clock processes started")
        if n == args.requests // 2:
            with engine.connect() as conn:
                pending = conn.scalar(text("SELECT count(*) FROM outbox WHERE status = 'pending'"))
                claimed = conn.scalar(
                    text("SELECT count(*) FROM outbox WHERE status = 'pending' AND claimed_until IS NOT NULL")
                )
            webs[0].kill()
            if clocks:
                clocks[0].kill()
            events["killed"] = time.time()
            log(f"{n} requests sent: SIGKILL to web1 and clock1 ({pending} messages pending, {claimed} claimed)")

    started = time.time()
    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(one, todo))
    load_seconds = time.time() - started
    log(f"{args.requests} requests in {load_seconds:.0f} s ({args.requests / load_seconds:.0f}/s)")

    # Every message sent? The surviving clock sweeps every minute; claims of the killed one expire after 5 minutes.
    deadline = time.time() + LEASE_WAIT
    while True:
        with engine.connect() as conn:
            states = dict(
                conn.execute(
                    text("SELECT status, count(*) FROM outbox WHERE id > :first GROUP BY status"),
                    {"first": first_outbox_id},
                ).all()
            )
        if not states.get("pending") or time.time() > deadline:
            break
        log(f"waiting for the outbox: {states}")
        time.sleep(15)
    drained = time.time() - started
    for p in webs + clocks:
        p.stop()

    # ---- counting ----
    replies: dict[str, float] = {}
    reply_texts: dict[str, str] = {}
    for call in fake.calls("response_url"):
        replies.setdefault(call.args.get("_name"), call.at)
        reply_texts.setdefault(call.args.get("_name"), call.args.get("text") or "")
    killed = events.get("killed", float("inf"))

    def when(name: str) -> str:
        """When a request was sent, relative to the kill."""
        return f"{sent_at[name] - killed:+.1f}s"

    by_kind: dict[str, list] = {}
    unanswered, slow_ack, slow_reply, failed_status = [], [], [], Counter()
    for name, (kind, status, ack_seconds, tries) in results.items():
        reply = replies.get(name)
        reply_seconds = reply - sent_at[name] if reply else None
        by_kind.setdefault(kind, []).append((ack_seconds, reply_seconds))
        if status != 200:
            failed_status[str(status)] += 1
        if reply is None:
            unanswered.append((name, kind, status, tries))
        elif reply_seconds > ACK_LIMIT:
            slow_reply.append(name)
        if ack_seconds > ACK_LIMIT:
            slow_ack.append(name)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT key, status, attempts, recipient FROM outbox WHERE id > :first"), {"first": first_outbox_id}
        ).all()
    outbox_status = Counter(r.status for r in rows)
    outbox_kinds = Counter(r.key.split(":")[0] for r in rows)

    # A message is its conversation and its whole content: the 20 workspaces number alike, so two of them may send
    # USPONSOR the same first line about their own GL-2001 (single-token mode: the fake cannot tell them apart).
    def content(c) -> tuple:
        return c.args.get("channel"), c.args.get("text"), json.dumps(c.args.get("blocks"), sort_keys=True)

    posted = Counter(content(c) for c in fake.calls("chat.postMessage") if not c.failed)
    updated = Counter(
        (c.args.get("channel"), c.args.get("ts"), c.args.get("text")) for c in fake.calls("chat.update") if not c.failed
    )
    nudges_at_slack = sum(n for (channel, t, _), n in posted.items() if "waiting on you" in (t or ""))
    duplicates = {k: n - 1 for k, n in posted.items() if n > 1}
    update_duplicates = {k: n - 1 for k, n in updated.items() if n > 1}
    retried_rows = [r for r in rows if r.attempts > 1]
    send_times: dict[tuple, list[float]] = {}
    for c in fake.calls("chat.postMessage"):
        if not c.failed:
            send_times.setdefault(content(c), []).append(c.at)
    resent = [
        (name, kind, when(name), reply_texts.get(name, "(no reply)")[:60])
        for name, (kind, status, ack_seconds, tries) in results.items()
        if tries > 1
    ]

    def pct(values, q):
        values = sorted(v for v in values if v is not None)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    print()
    print(
        f"machine: {os.cpu_count()} cores; webs {args.webs} x gunicorn (Procfile), clocks {args.clocks}, "
        f"clients {args.clients}, 20 workspaces"
    )
    print(f"requests {args.requests} in {load_seconds:.1f} s; all messages settled {drained:.0f} s after the start")
    print(f"resent by the balancer after a refused/reset connection: {dict(balancer.resent)}")
    print("| kind | requests | ack p50 | ack p99 | ack max | reply p50 | reply p99 | reply max |")
    for kind, values in sorted(by_kind.items()):
        acks, reps = [a for a, _ in values], [r for _, r in values]
        print(
            f"| {kind} | {len(values)} | {pct(acks, 0.5):.3f} | {pct(acks, 0.99):.3f} | {max(acks):.3f} | "
            f"{pct(reps, 0.5):.3f} | {pct(reps, 0.99):.3f} | {max(r for r in reps if r is not None):.3f} |"
        )
    print(f"acks over {ACK_LIMIT} s: {len(slow_ack)}, sent at (relative to the kill) {[when(n) for n in slow_ack]}")
    print(f"replies over {ACK_LIMIT} s: {len(slow_reply)}, sent at {[when(n) for n in slow_reply]}")
    print(
        f"non-200 statuses: {dict(failed_status)}; unanswered: {len(unanswered)} "
        f"{[(n, k, s, t, when(n)) for n, k, s, t in unanswered[:10]]}"
    )
    print(f"sent again to another replica: {resent}")
    registrations = len([1 for v in results.values() if v[0] == "new"])
    print(
        f"registrations carried out {outbox_kinds.get('announce', 0)} of {registrations}; approvals carried out "
        f"{outbox_kinds.get('approval', 0)} of {len([1 for v in results.values() if v[0] == 'approve'])}"
    )
    print(
        f"outbox rows created during the run: {len(rows)} by kind {dict(outbox_kinds)}; by status {dict(outbox_status)}"
    )
    print(
        f"approvals due at the start {due_approvals} (of which in working hours get a nudge); "
        f"nudge rows {outbox_kinds.get('nudge', 0)}; nudges accepted by Slack {nudges_at_slack}"
    )
    print(
        f"rows sent after more than one attempt: {len(retried_rows)} {[(r.key, r.attempts) for r in retried_rows[:10]]}"
    )
    print(f"duplicate posts at Slack: {sum(duplicates.values())}")
    for key in list(duplicates)[:20]:
        print(f"  {key[:2]}: sent at {', '.join(f'{t - killed:+.1f}s' for t in send_times[key])} relative to the kill")
    print(f"duplicate updates at Slack: {sum(update_duplicates.values())} {list(update_duplicates.items())[:5]}")
    print(f"events: {', '.join(f'{k} at +{v - started:.0f} s' for k, v in events.items())}")
    engine.dispose()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
