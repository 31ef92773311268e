"""Reads cost what they show: the SQL statements and the rows read by `list`, `mine` and the App Home
do not grow with the number of initiatives in the workspace (100 against 5,000, through signed requests)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select, update

from bot.dataset import NOW, fill
from storage.enums import Status
from storage.models import Approval, Base, GroupMember, Initiative, UserGroup
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


def cost(db, clock, n: int, request, *, escalated: float = 0.1, more=None) -> tuple[int, int]:
    """Fill n initiatives (the heavy user owns 30 and keeps 30 waiting), then count what one request reads."""
    with db.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    fill(db, n, now=NOW, due=0, escalated=escalated, proceeding=0.1, heavy_user=HEAVY, heavy=30, people=60)
    if more:
        with db.begin() as conn:
            more(conn)
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


def in_a_group_and_the_escalation_contact(conn) -> None:
    """The heavy user is in a user group that is the first approver of every open initiative, and was asked
    (escalate-to) to decide every escalated one: both grow with the workspace. (Only where they have no other role,
    so that each list reads initiatives of its own.)"""
    conn.execute(insert(UserGroup), [dict(team_id="T1", group_id="SHEAVY", fetched_at=NOW)])
    conn.execute(insert(GroupMember), [dict(team_id="T1", group_id="SHEAVY", user_id=u) for u in (HEAVY, "U00001")])
    theirs = select(Approval.initiative_id).where(Approval.approver_id == HEAVY)
    free = select(Initiative.id).where(Initiative.owner_id != HEAVY, Initiative.id.not_in(theirs))
    opened = free.where(Initiative.status == Status.OPEN)
    conn.execute(
        update(Approval).where(Approval.position == 0, Approval.initiative_id.in_(opened)).values(approver_id="SHEAVY")
    )
    conn.execute(
        update(Initiative)
        .where(Initiative.status == Status.ESCALATED, Initiative.id.in_(free.scalar_subquery()))
        .values(escalated_to=f"U00002,{HEAVY}")
    )


@pytest.mark.parametrize("name", ["mine", "mine page 2", "App Home"])
def test_group_slots_and_decisions_in_a_silent_sponsors_place_cost_the_same_at_400_and_at_5000(name, slack, db, clock):
    def at(n):
        return cost(
            db, clock, n, lambda: REQUESTS[name](slack), escalated=0.5, more=in_a_group_and_the_escalation_contact
        )

    small, large = at(400), at(5000)
    assert small == large, f"{name}: (statements, rows) {small} at 400, {large} at 5,000"
