"""Export at size: `python bench/export.py DATABASE_URL [--team T1]`

Runs `python -m bot export --team T --format csv|json` (the rows the DM's file holds, read and written by the same
code) on a database that `bench/fill.py` filled, once per format, each in a process of its own, and prints its
wall time, its peak memory (the process's maximum RSS) and the size of what it wrote. The clock is the data set's
(Wednesday 9 December 2026, 09:30 UTC), so waits come out the same in every run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.dataset import NOW  # noqa: E402


def run(url: str, team: str, fmt: str) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, bytes written) of one export."""
    env = {**os.environ, "DATABASE_URL": url, "GREENLIGHT_NOW": NOW.isoformat(), "LOG_LEVEL": "ERROR"}
    command = [sys.executable, "-m", "bot", "export", "--team", team, "--format", fmt]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    size = 0
    while chunk := proc.stdout.read(1 << 20):
        size += len(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export --format {fmt} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--team", default="T1")
    args = parser.parse_args()
    print(f"# {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| format | seconds | peak RSS MiB | written MiB |")
    print("|---|---|---|---|")
    for fmt in ("csv", "json"):
        seconds, rss, size = run(args.database_url, args.team, fmt)
        print(f"| {fmt} | {seconds:.1f} | {rss:.0f} | {size / 2**20:.1f} |", flush=True)


if __name__ == "__main__":
    main()
