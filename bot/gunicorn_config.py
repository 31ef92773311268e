"""gunicorn settings for the Procfile's web (`-c python:bot.gunicorn_config`): metrics shared by all workers.

prometheus-client's multiprocess mode keeps each worker's counters in files under PROMETHEUS_MULTIPROC_DIR and sums
them at /metrics, whichever worker answers. The directory must be set before prometheus-client is imported (hence
here, which gunicorn reads before it loads the app) and emptied at start, or a previous run's counts would add up."""

from __future__ import annotations

import glob
import os
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="greenlight-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(stale)


def child_exit(server, worker):
    """A worker that exits leaves its counters (they still count); its live gauges, if any, stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
