"""Does the bot keep answering while Slack fails? `python bench/slack_down.py [--seconds 60] [--commands 100]`

Starts `python app.py` (HTTP mode, SQLite, scheduler on) against the fake Slack of the tests, makes the fake
answer HTTP 500 to every chat.postMessage for `--seconds`, and in that time fires `--commands` signed
`/greenlight list` commands, `--concurrency` at a time, spread over the window, with a registration after
every tenth, so that the outbox keeps filling with messages that cannot go out. For each `list` it
measures the time to the HTTP answer (Slack's 3 s limit applies to it) and to the ephemeral reply at the
response_url, and prints p50 / p99 / max of both, and how many were not answered within 3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fake_slack import HISTORY_SCOPES, FakeSlack, Fault  # noqa: E402
from tests.processes import APP, bot_env, free_port, running  # noqa: E402
from tests.slack_driver import command_body, signed_headers  # noqa: E402

SECRET = "bench-signing-secret"
FORM = "application/x-www-form-urlencoded"
SLACK_LIMIT = 3.0


def post(url: str, body: str) -> int:
    headers = {k: v[0] for k, v in signed_headers(body, SECRET, FORM).items()}
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def wait_for_port(port: int, process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise SystemExit(f"app.py exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("app.py did not open its port") from None
            time.sleep(0.1)


def reply_time(fake, name: str, sent_at: float, timeout: float = 30) -> float | None:
    """Seconds from sending the command to its ephemeral reply at the response_url (None: never)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [c for c in fake.calls("response_url") if c.args.get("_name") == name]
        if found:
            return found[0].at - sent_at
        time.sleep(0.01)
    return None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Outcome:
    """What the commands got while Slack failed."""

    lists: list[tuple[int, float, float | None]]  # per list command: HTTP status, answer time, reply time (s)
    registrations: int
    failed_posts: int
    window: float
    still_failing: bool


def measure(seconds: float, commands: int, concurrency: int, window: float | None = None) -> Outcome:
    """Run the app against a Slack whose chat.postMessage answers 500 for `seconds`, firing the commands
    over the first `window` seconds (default: all but the last 5)."""
    fake = FakeSlack().start()
    fake.grant(*HISTORY_SCOPES)
    for user in ("UOWNER", "UALICE", "USPONSOR"):
        fake.add_user(user, name=user[1:].lower())
    folder = tempfile.mkdtemp(prefix="gl-slack-down-")
    port = free_port()
    env = bot_env(
        fake, f"sqlite:///{folder}/greenlight.db", SLACK_SIGNING_SECRET=SECRET, PORT=str(port), LOG_LEVEL="ERROR"
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        with running(APP, env, log_path=Path(folder) / "app.log") as process:
            wait_for_port(port, process)
            until = time.time() + seconds
            fake.faults = lambda method, a, t: (
                Fault(status=500) if method == "chat.postMessage" and time.time() < until else None
            )
            start = time.time()
            total = commands + commands // 10
            spread = (seconds - 5 if window is None else window) / total

            def one(i: int) -> tuple[str, int, float, float, str]:
                time.sleep(max(0.0, start + i * spread - time.time()))  # spread over the window
                text = f"new Plan {i} approvers <@UALICE> sponsor <@USPONSOR>" if i % 11 == 10 else "list"
                name = f"bench-{i}"
                body = command_body(text, "UOWNER", "CGENERAL", fake.response_url(name))
                sent = time.time()
                status = post(url, body)
                return text.split()[0], status, time.time() - sent, sent, name

            with ThreadPoolExecutor(concurrency) as pool:
                results = list(pool.map(one, range(total)))
            window = time.time() - start
            lists = [
                (status, took, reply_time(fake, name, sent))
                for kind, status, took, sent, name in results
                if kind == "list"
            ]
            return Outcome(
                lists,
                total - len(lists),
                len([c for c in fake.calls("chat.postMessage") if c.failed]),
                window,
                time.time() < until,
            )
    finally:
        fake.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long chat.postMessage answers 500")
    parser.add_argument("--commands", type=int, default=100, help="list commands fired in that time")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    out = measure(args.seconds, args.commands, args.concurrency)
    acks = [took for _, took, _ in out.lists]
    answered = [r for _, _, r in out.lists if r is not None]
    print(
        f"# {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        f"chat.postMessage answered 500 for {args.seconds:.0f} s ({out.failed_posts} failed posts); "
        f"{len(out.lists) + out.registrations} commands in {out.window:.1f} s ({len(out.lists)} list, "
        f"{out.registrations} new), {args.concurrency} at a time; Slack still failing at the end: {out.still_failing}"
    )
    print(
        f"list HTTP answer: p50 {statistics.median(acks) * 1000:.0f} ms, p99 {pct(acks, 0.99) * 1000:.0f} ms, "
        f"max {max(acks) * 1000:.0f} ms; status 200: {sum(s == 200 for s, _, _ in out.lists)}/{len(out.lists)}; "
        f"over {SLACK_LIMIT:.0f} s: {sum(a > SLACK_LIMIT for a in acks)}"
    )
    if answered:
        print(
            f"list reply at response_url: p50 {statistics.median(answered) * 1000:.0f} ms, "
            f"p99 {pct(answered, 0.99) * 1000:.0f} ms, max {max(answered) * 1000:.0f} ms; "
            f"replied: {len(answered)}/{len(out.lists)}"
        )
    return 0 if all(s == 200 for s, _, _ in out.lists) and max(acks) <= SLACK_LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
