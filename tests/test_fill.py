"""bot.dataset, the bulk fill the benchmarks use: its rows are the ones the bot would have made."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from bot.dataset import DUE_KINDS, NOW, fill
from bot.jobs import queue_due
from storage.models import Approval, Initiative, OutboxMessage, Person


def test_each_status_has_its_due_columns_and_the_heavy_user_their_share(gl, db, clock):
    filled = fill(
        db,
        120,
        now=NOW,
        due=0.1,
        kinds=DUE_KINDS,
        escalated=0.2,
        proceeding=0.2,
        people=30,
        heavy_user="UHEAVY",
        heavy=20,
    )
    with gl.transaction() as s:
        inis = list(s.scalars(select(Initiative)))
        assert Counter(i.status for i in inis) == filled.by_status
        assert set(filled.by_status) == {"open", "escalated", "proceeding"} and all(filled.due.values())
        assert len({i.channel_id for i in inis}) == filled.channels == 50
        for ini in inis:
            assert len(ini.approvals) == 3, ini.number
            due = (ini.escalate_at, ini.next_sponsor_ask_at, ini.next_report_reminder_at)
            if ini.status == "open":
                assert due[0] is not None and due[1:] == (None, None), ini.number
            elif ini.status == "escalated":
                assert ini.escalated_at and due[1] is not None and (due[0], due[2]) == (None, None), ini.number
            else:
                assert ini.report_due and due[2] is not None and due[:2] == (None, None), ini.number
            for a in ini.approvals:
                assert (a.decided_at is None) == (a.decision == "pending"), ini.number
                if a.next_nudge_at is not None:
                    assert ini.status == "open" and a.decision == "pending", ini.number
        zones = {p.user_id: p.tz for p in s.scalars(select(Person))}
        assert set(zones) >= {a.approver_id for i in inis for a in i.approvals}
        assert zones["UHEAVY"] == "Europe/London"
        assert s.scalar(select(func.count()).where(Initiative.owner_id == "UHEAVY")) == filled.heavy["owned"] == 20
        assert (
            s.scalar(select(func.count()).where(Approval.approver_id == "UHEAVY", Approval.decision == "pending"))
            == filled.heavy["pending"]
            == 20
        )

    # A sweep at that moment finds exactly the due work: one escalation per passed deadline, and so on.
    clock.set(NOW)
    queue_due(gl)
    with gl.transaction() as s:
        queued = Counter(
            k.split(":")[0] for k in s.scalars(select(OutboxMessage.key).where(OutboxMessage.status == "pending"))
        )
    assert queued["escalation"] == filled.due["escalate"]
    assert queued["sponsor-ask"] == filled.due["sponsor_ask"]
    assert queued["report-reminder"] == filled.due["report"]
    assert 0 < queued["nudge"] <= 3 * filled.due["nudge"]
