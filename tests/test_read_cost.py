"""Reads cost what they show: the SQL statements and the rows read by `list`, `mine` and the App Home
do not grow with the number of initiatives in the workspace (100 against 5,000, through signed requests)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.dataset import NOW, fill
from storage.models import Approval, Base, Initiative
from tests.story import open_home

HEAVY = "UHEAVY"


class Reads:
    """Counts statements on the engine and the initiative and approval rows loaded from them."""

    def __init__(self, engine):
        self.engine, self.statements, self.rows = engine, 0, 0
        event.listen(engine, "before_cursor_execute", self.statement)
        for model in (Initiative, Approval):
            event.listen(model, "load", self.row)

    def statement(self, *args):
        self.statements += 1

    def row(self, *args):
        self.rows += 1

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self.statement)
        for model in (Initiative, Approval):
            event.remove(model, "load", self.row)


def cost(db, clock, n: int, request) -> tuple[int, int]:
    """Fill n initiatives (the heavy user owns 30 and keeps 30 waiting), then count what one request reads."""
    with db.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    fill(db, n, now=NOW, due=0, escalated=0.1, proceeding=0.1, heavy_user=HEAVY, heavy=30, people=60)
    clock.set(NOW)
    reads = Reads(db)
    try:
        request()
    finally:
        reads.close()
    return reads.statements, reads.rows


REQUESTS = {
    "list": lambda slack: slack.command("list", user=HEAVY),
    "list stalled": lambda slack: slack.command("list stalled", user=HEAVY),
    "list page 3": lambda slack: slack.command("list page 3", user=HEAVY),
    "mine": lambda slack: slack.command("mine", user=HEAVY),
    "mine page 2": lambda slack: slack.command("mine page 2", user=HEAVY),
    "App Home": lambda slack: open_home(slack, HEAVY),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_a_read_costs_the_same_at_100_and_at_5000_initiatives(name, slack, db, clock):
    small = cost(db, clock, 100, lambda: REQUESTS[name](slack))
    large = cost(db, clock, 5000, lambda: REQUESTS[name](slack))
    assert small == large, f"{name}: (statements, rows) {small} at 100, {large} at 5,000"
