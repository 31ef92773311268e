"""The reply to `/greenlight stats`: time to decision, who needed the sponsor, reports on time."""

from __future__ import annotations

from bot import i18n
from bot.blocks.common import context, header, section
from bot.i18n import t, tn
from bot.text import mention

MAX_APPROVERS = 20


def days(value: float) -> str:
    """2.25 → '2.3 business days'."""
    # the form for a whole number near it: '1.0 business day' as before, '0.5 business days'
    shown = round(value, 1)
    count = 1 if shown == 1 else max(2, round(shown))
    return tn("{days} business day", "{days} business days", count, days=i18n.number(value, 1))


def spread(s) -> str:
    if not s:
        return t("nothing decided yet")
    # Translators: {count} is how many durations the median and percentile are of
    return t(
        "median *{median}*, 90th percentile {p90} ({count})", median=days(s.median), p90=days(s.p90), count=s.count
    )


def stats_blocks(st) -> list[dict]:
    """The stats of the last `st.days` days, in business days."""
    if st.registered:
        share = t(
            "{escalated} of {registered} ({percent}%)",
            escalated=st.escalated,
            registered=st.registered,
            percent=round(100 * st.escalated / st.registered),
        )
    else:
        share = t("none")
    lines = [
        tn("Registered: *{n}* initiative", "Registered: *{n}* initiatives", st.registered),
        t("Time to decision (approved, rejected or the sponsor's go-ahead): {spread}", spread=spread(st.decided)),
        t("Needed the sponsor: {share}", share=share),
        t(
            "Proceeded and reported: {proceeded} proceeded; {on_time} reported on time, {late} late",
            proceeded=st.proceeded,
            on_time=st.reported_on_time,
            late=st.reported_late,
        ),
        t("Sponsors deciding: {spread}", spread=spread(st.sponsors)),
    ]
    title = tn("Greenlight stats: the last {n} day", "Greenlight stats: the last {n} days", st.days)
    blocks = [header(title), section("\n".join(lines))]
    if st.names and st.per_approver:
        rows = [f"{mention(user)}: {spread(s)}" for user, s in st.per_approver[:MAX_APPROVERS]]
        more = len(st.per_approver) - MAX_APPROVERS
        blocks.append(
            section(
                t("*Time to answer, per approver* (slowest first)")
                + "\n"
                + "\n".join(rows)
                + ("\n" + tn("… and {n} more", "… and {n} more", more) if more > 0 else "")
            )
        )
    else:
        blocks.append(section(t("*Time to answer, all approvers*: {spread}", spread=spread(st.approvers))))
    note = [t("Durations count business days.")]
    if not st.names:
        note.append(t("Names are off (`summary-names`): no one is ranked."))
    note.append(t("Only initiatives you can see are counted."))
    return blocks + [context(" ".join(note))]
