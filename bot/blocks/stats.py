"""The reply to `/greenlight stats`: time to decision, who needed the sponsor, reports on time."""

from __future__ import annotations

from bot.blocks.common import context, header, section
from bot.text import mention

MAX_APPROVERS = 20


def days(value: float) -> str:
    """2.25 → '2.3 business days'."""
    return f"{value:.1f} business day{'s' if round(value, 1) != 1 else ''}"


def spread(s) -> str:
    return f"median *{days(s.median)}*, 90th percentile {days(s.p90)} ({s.count})" if s else "nothing decided yet"


def stats_blocks(st) -> list[dict]:
    """The stats of the last `st.days` days, in business days."""
    share = (
        f"{st.escalated} of {st.registered} ({round(100 * st.escalated / st.registered)}%)" if st.registered else "none"
    )
    lines = [
        f"Registered: *{st.registered}* initiatives",
        f"Time to decision (approved, rejected or the sponsor's go-ahead): {spread(st.decided)}",
        f"Needed the sponsor: {share}",
        f"Proceeded and reported: {st.proceeded} proceeded; {st.reported_on_time} reported on time, "
        f"{st.reported_late} late",
        f"Sponsors deciding: {spread(st.sponsors)}",
    ]
    blocks = [header(f"Greenlight stats: the last {st.days} days"), section("\n".join(lines))]
    if st.names and st.per_approver:
        rows = [f"{mention(user)}: {spread(s)}" for user, s in st.per_approver[:MAX_APPROVERS]]
        more = len(st.per_approver) - MAX_APPROVERS
        blocks.append(
            section(
                "*Time to answer, per approver* (slowest first)\n"
                + "\n".join(rows)
                + (f"\n… and {more} more" if more > 0 else "")
            )
        )
    else:
        blocks.append(section(f"*Time to answer, all approvers*: {spread(st.approvers)}"))
    note = "Durations count business days." + (
        "" if st.names else " Names are off (`summary-names`): no one is ranked."
    )
    return blocks + [context(note + " Only initiatives you can see are counted.")]
