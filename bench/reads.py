"""Reads at 100,000 initiatives, side by side with a bare Bolt floor:

    python bench/reads.py DATABASE_URL [--requests 250] [--concurrency 4 16] [--server gunicorn] [--pace reply]

DATABASE_URL holds a data set made by `bench/fill.py DATABASE_URL --initiatives 100000 --heavy-user UHEAVY`
(team T1). Starts `python app.py` on it (HTTP, GREENLIGHT_SCHEDULER=off, its clock at the data set's moment; or,
with `--server gunicorn`, the Procfile's web: gunicorn, 2 workers x 4 threads)
against the fake Slack of the tests, in which UHEAVY is a member of the 50 channels, and bench/floor_app.py (a
bare Bolt app answering the same signed command with a one-line respond()) on the same server. For `list`,
`list stalled`, `mine` and `show GL-1` as UHEAVY, at each concurrency, it fires --requests signed commands and
measures the HTTP answer (the ack: p50, p99) and the reply at the response_url (p99), from clients in a process of
their own whose next command follows the last one's ack (`--pace ack`, the default) or its reply (`--pace reply`),
and counts requests not answered (no 200 within 3 s, or no reply within 30 s), and the CPU time each request cost the server (user + system,
its workers included). The app's RSS (VmRSS, workers included) is read after a warm-up and after all requests. The
floor gets the same number of commands at each concurrency, served the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.slack_down import SECRET, post, wait_for_port  # noqa: E402
from bot.config import normalize_database_url  # noqa: E402
from bot.dataset import CHANNELS, NOW  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.processes import APP, bot_env, family, free_port, running  # noqa: E402
from tests.slack_driver import command_body  # noqa: E402

USER = "UHEAVY"
COMMANDS = ("list", "list stalled", "mine", "show GL-1")
SLACK_LIMIT = 3.0


def rss_kib(pid: int) -> int:
    """Resident memory of the process and its descendants."""
    total = 0
    for p in family(pid):
        with open(f"/proc/{p}/status") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return total


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process and its descendants have used so far."""
    total = 0
    for p in family(pid):
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


class Runner:
    def __init__(self, url: str, label: str, pid: int, pace: str):
        self.url, self.label, self.n, self.pid, self.pace = url, label, 0, pid, pace

    def fire(self, text: str, requests: int, concurrency: int) -> dict:
        """`requests` commands, `concurrency` at a time; ack and reply times in ms, unanswered count."""
        names = [f"{self.label}-{self.n + i}" for i in range(requests)]
        self.n += requests
        cpu = cpu_seconds(self.pid)
        job = {"url": self.url, "text": text, "names": names, "concurrency": concurrency, "pace": self.pace}
        out = subprocess.run(
            [sys.executable, __file__, "--clients"], input=json.dumps(job), capture_output=True, text=True, check=True
        )
        results = json.loads(out.stdout)
        acks = [took for _, _, took, _, _ in results]
        reply = [at - sent for _, _, _, sent, at in results if at]
        unanswered = sum(1 for _, status, took, _, at in results if status != 200 or took > SLACK_LIMIT or not at)
        return {
            "ack50": pct(acks, 0.5) * 1000,
            "ack99": pct(acks, 0.99) * 1000,
            "reply50": pct(reply, 0.5) * 1000,
            "reply99": pct(reply, 0.99) * 1000,
            "unanswered": unanswered,
            "n": requests,
            "cpu": (cpu_seconds(self.pid) - cpu) / requests * 1000,
        }


def clients() -> int:
    """The load generator (`--clients`, a job on stdin), in a process of its own: in the one of the fake Slack, the
    fake's work would hold the clients back, and the acks they time with them. It fires signed commands and takes
    their replies at a response_url of its own (the time each arrived: Slack's checks of a reply are not ours to
    time). Each client fires its next command once its last one is acknowledged (`pace` "ack": more commands than
    the server can answer, an overload), or once it is answered (`pace` "reply": a person waiting for the answer)."""
    job = json.load(sys.stdin)
    arrived: dict[str, float] = {}
    events = {name: threading.Event() for name in job["names"]}

    class Replies(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            name = self.path.rsplit("/", 1)[-1]
            arrived.setdefault(name, time.time())
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            if name in events:
                events[name].set()

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128  # 16 replies at once overflow the default backlog of 5: a 1 s SYN retry each

    server = Server(("127.0.0.1", 0), Replies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/reply/"

    def one(name: str) -> tuple[str, int, float, float]:
        body = command_body(job["text"], USER, "C000", base + name)
        sent = time.time()
        status = post(job["url"], body)
        took = time.time() - sent
        if job["pace"] == "reply":
            events[name].wait(30)
        return name, status, took, sent

    with ThreadPoolExecutor(job["concurrency"]) as pool:
        results = list(pool.map(one, job["names"]))
    deadline = time.monotonic() + 30
    while len(arrived) < len(events) and time.monotonic() < deadline:
        time.sleep(0.1)
    server.shutdown()
    json.dump([(*r, arrived.get(r[0])) for r in results], sys.stdout)
    return 0


def main(argv=None) -> int:
    if (argv or sys.argv[1:])[:1] == ["--clients"]:
        return clients()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=250, help="per command and concurrency (default 250)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16])
    parser.add_argument(
        "--commands", nargs="+", default=list(COMMANDS), help="default: list, list stalled, mine, show GL-1"
    )
    parser.add_argument(
        "--server",
        choices=["app.py", "gunicorn"],
        default="app.py",
        help="serve both apps as `python app.py` does (waitress, 8 threads) or as the Procfile's web does "
        "(gunicorn, 2 workers x 4 threads)",
    )
    parser.add_argument(
        "--pace",
        choices=["ack", "reply"],
        default="ack",
        help="each client's next command follows the last one's ack (default: an overload) or its reply",
    )
    args = parser.parse_args(argv)

    fake = FakeSlack().start()
    fake.add_user(USER, name="heavy")
    for c in range(CHANNELS):
        fake.set_members(f"C{c:03d}", [USER, "UOTHER"])
    folder = Path(tempfile.mkdtemp(prefix="gl-reads-"))
    app_port, floor_port = free_port(), free_port()
    env = bot_env(
        fake,
        normalize_database_url(args.database_url),
        NOW,
        SLACK_SIGNING_SECRET=SECRET,
        PORT=str(app_port),
        LOG_LEVEL="ERROR",
        GREENLIGHT_SCHEDULER="off",
    )
    floor_env = {**env, "PORT": str(floor_port)}
    if args.server == "gunicorn":
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind"]
        app_args = gunicorn[:3] + ["-c", "python:bot.gunicorn_config", "--preload"] + gunicorn[3:]
        app_args += [f"127.0.0.1:{app_port}", "app:wsgi()"]
        floor_args = gunicorn + [f"127.0.0.1:{floor_port}", "bench.floor_app:wsgi()"]
    else:
        app_args, floor_args = APP, [sys.executable, str(ROOT / "bench" / "floor_app.py")]
    rows = []
    try:
        with (
            running(app_args, env, log_path=folder / "app.log") as app,
            running(floor_args, floor_env, log_path=folder / "floor.log") as floor,
        ):
            wait_for_port(app_port, app)
            wait_for_port(floor_port, floor)
            greenlight = Runner(f"http://127.0.0.1:{app_port}/slack/events", "gl", app.pid, args.pace)
            bare = Runner(f"http://127.0.0.1:{floor_port}/slack/events", "floor", floor.pid, args.pace)
            for text in args.commands:  # warm-up: caches, connections, first imports
                greenlight.fire(text, 8, 4)
            bare.fire("list", 8, 4)
            before = rss_kib(app.pid)
            for concurrency in args.concurrency:
                floor_row = bare.fire("list", args.requests, concurrency)
                rows.append(("floor (bare Bolt)", concurrency, floor_row))
                for text in args.commands:
                    rows.append((text, concurrency, greenlight.fire(text, args.requests, concurrency)))
            after = rss_kib(app.pid)
    finally:
        fake.stop()
    served = args.requests * len(args.commands) * len(args.concurrency)
    load = os.getloadavg()
    print(
        f"# {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, database {args.database_url.split(':')[0]}, "
        f"served by {args.server}, clients paced by the {args.pace}"
    )
    print(
        "| command | concurrency | ack p50 ms | ack p99 ms | ack p99 / floor | reply p50 ms | reply p99 ms "
        "| unanswered | CPU ms / request |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    floors = {c: r["ack99"] for name, c, r in rows if name.startswith("floor")}
    for name, concurrency, r in rows:
        print(
            f"| {name} | {concurrency} | {r['ack50']:.0f} | {r['ack99']:.0f} | {r['ack99'] / floors[concurrency]:.1f}× "
            f"| {r['reply50']:.0f} | {r['reply99']:.0f} | {r['unanswered']}/{r['n']} | {r['cpu']:.1f} |"
        )
    print(
        f"app RSS: {before / 1024:.1f} MiB after warm-up, {after / 1024:.1f} MiB after {served} more requests "
        f"(+{(after - before) / 1024:.1f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
