"""Prometheus metrics: the named events code reports (delivered, retried, a sweep, a request) and what is read from
the database at scrape time (outbox backlog per kind, paused workspaces).

Counters and histograms live in this process, or, when PROMETHEUS_MULTIPROC_DIR is set (gunicorn: see
gunicorn.conf.py), in files there that every worker writes and /metrics sums. Labels are low-cardinality only:
an outcome, a reason, a subcommand or action id; never a team, a person or free text.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY
from sqlalchemy import func, select

from storage.models import OutboxMessage, Workspace

CONTENT_TYPE = CONTENT_TYPE_LATEST

DELIVERIES = Counter("greenlight_deliveries_total", "Outbox messages finished, by outcome", ["outcome"])
RETRIES = Counter(
    "greenlight_delivery_retries_total", "Slack calls of the sender that will be tried again, by reason", ["reason"]
)
SWEEP_SECONDS = Histogram(
    "greenlight_sweep_duration_seconds",
    "Time of one sweep (queue due work, then deliver)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
DUE_FOUND = Counter(
    "greenlight_due_work_found_total", "Due items a sweep turned into messages, by kind of work", ["kind"]
)
REQUEST_SECONDS = Histogram(
    "greenlight_request_duration_seconds",
    "Time to handle a Slack request, by kind and subcommand or action id",
    ["kind", "name"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10),
)
ANSWER_SECONDS = Histogram(
    "greenlight_answer_duration_seconds",
    "Time from a request's ack to its answer by an answer process (queue included), by kind and subcommand or action",
    ["kind", "name"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30),
)


# ---- what code reports: one function per event ---------------------------------------------------------


def delivered(outcome: str) -> None:
    """An outbox message is finished: "sent", "undeliverable", "failed" or "skipped"."""
    DELIVERIES.labels(outcome).inc()


def retried(reason: str) -> None:
    """A send will be tried again: "rate_limited" (429), "server_error" (5xx) or "network"."""
    RETRIES.labels(reason).inc()


def retry_reason(error: str) -> str:
    """The reason label of a sender's error: 429 ("ratelimited"), a 5xx ("http 503"), "network: ...", or one of
    Slack's transient ok:false errors ("internal_error", ...)."""
    if error in ("http 429", "ratelimited"):
        return "rate_limited"
    if error.startswith("network"):
        return "network"
    return "server_error" if error.startswith("http ") else "slack_error"


def swept(seconds: float) -> None:
    SWEEP_SECONDS.observe(seconds)


def due_found(kind: str, count: int) -> None:
    if count:
        DUE_FOUND.labels(kind).inc(count)


def request_handled(kind: str, name: str, seconds: float) -> None:
    REQUEST_SECONDS.labels(kind, name).observe(seconds)


def answered(kind: str, name: str, seconds: float) -> None:
    ANSWER_SECONDS.labels(kind, name).observe(seconds)


# ---- what is read from the database at scrape time --------------------------------------------------------


def outbox_kind(engine):
    """The kind of an outbox message: its key up to the first colon ("nudge:41:3" is a nudge)."""
    if engine.dialect.name == "postgresql":
        return func.split_part(OutboxMessage.key, ":", 1)
    return func.substr(OutboxMessage.key, 1, func.instr(OutboxMessage.key, ":") - 1)


class DatabaseCollector:
    """Gauges read when scraped: pending messages and the age of the oldest per kind, paused workspaces."""

    def __init__(self, gl):
        self.gl = gl

    def collect(self):
        pending = GaugeMetricFamily(
            "greenlight_outbox_pending", "Outbox messages waiting to be sent, by kind", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "greenlight_outbox_oldest_pending_seconds",
            "Age of the oldest message waiting to be sent, by kind",
            labels=["kind"],
        )
        paused = GaugeMetricFamily(
            "greenlight_workspaces_paused", "Workspaces whose delivery is paused because their token is broken"
        )
        now = self.gl.clock.now()
        kind = outbox_kind(self.gl.engine).label("kind")
        with self.gl.reading() as session:
            rows = session.execute(
                select(kind, func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status == "pending")
                .group_by(kind)
            ).all()
            paused.add_metric(
                [],
                session.scalar(
                    select(func.count()).select_from(Workspace).where(Workspace.delivery_paused_at.is_not(None))
                )
                or 0,
            )
        for name, count, first in rows:
            pending.add_metric([name or "other"], count)
            oldest.add_metric([name or "other"], max(0.0, (now - first).total_seconds()) if first else 0.0)
        yield pending
        yield oldest
        yield paused


def render(gl) -> bytes:
    """The /metrics page: this process's (or all workers') counters, then the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        events = generate_latest(registry)
    else:
        events = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector(gl))
    return events + generate_latest(database)
