"""The cost of a sweep in SQL statements does not grow with the number of initiatives.

The database is filled by bot.dataset, the bulk fill the benchmarks use (the rows the bot would have left),
with half the initiatives due: nudges, passed deadlines, sponsors to re-ask, reports to remind.
The queueing part (bot.jobs.queue_due) must cost the same at 10 and at 200 initiatives.
Delivery sends one Slack call per message, each in its own short transactions (claim a batch,
then per message: read, send, record); its statements per message must be a small constant.
"""

from __future__ import annotations

from sqlalchemy import event, func, select

from bot.dataset import DUE_KINDS, NOW, fill
from bot.jobs import queue_due
from storage.models import Base, OutboxMessage

DELIVERY_STATEMENTS_PER_MESSAGE = 6  # SQLite: BEGIN, read, BEGIN, record, plus a thread target lookup at most


class Counter:
    def __init__(self, engine):
        self.engine, self.n = engine, 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.n += 1

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self.seen)


def empty(engine):
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def measure(gl, db, fake, n: int) -> dict:
    """Fill n initiatives (half due), then count the statements of queueing and of delivery."""
    empty(db)
    fake.clear()
    filled = fill(db, n, now=NOW, due=0.5, kinds=DUE_KINDS, people=60)
    assert all(filled.due.values()), filled.due  # every kind of due work is present, at both sizes
    counter = Counter(db)
    try:
        queue_due(gl)
        queued = counter.n
        with gl.transaction() as s:
            pending = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
        counter.n = 0
        sent = gl.sender.deliver_due()
        delivered = counter.n
    finally:
        counter.close()
    assert sent == pending == len(fake.calls("chat.postMessage")) > 0
    return dict(queued=queued, delivered=delivered, sent=sent)


def test_queueing_statements_do_not_grow_with_initiatives(gl, db, fake, clock):
    clock.set(NOW)
    small, large = measure(gl, db, fake, 10), measure(gl, db, fake, 200)
    assert large["sent"] >= 15 * small["sent"]  # the large sweep really did ~20 times the work
    assert large["queued"] == small["queued"], (small, large)
    # Delivery: a constant number of statements per message sent, plus a claim per batch of 100.
    per_message = (large["delivered"] - small["delivered"]) / (large["sent"] - small["sent"])
    assert per_message <= DELIVERY_STATEMENTS_PER_MESSAGE, (small, large, per_message)
