"""gunicorn settings for the Procfile's web (`-c python:bot.gunicorn_config`): metrics shared by all workers.

prometheus-client's multiprocess mode keeps each worker's counters in files under PROMETHEUS_MULTIPROC_DIR and sums
them at /metrics, whichever worker answers. The directory must be set before prometheus-client is imported (hence
here, which gunicorn reads before it loads the app) and emptied at start, or a previous run's counts would add up."""

from __future__ import annotations

import ctypes
import glob
import os
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="greenlight-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


# glibc gives threads that allocate at once arenas of their own (up to 8 per core) and keeps in each what is freed
# there: with a worker's HTTP and listener threads, a worker's memory grew with every burst of requests. Two arenas a
# process hold it (set in the master, before it forks the workers; M_ARENA_MAX is -8).
try:
    ctypes.CDLL("libc.so.6").mallopt(-8, 2)
except OSError:  # not glibc
    pass


def on_starting(server):
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    """A worker that exits leaves its counters (they still count); its live gauges, if any, stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
