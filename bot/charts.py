"""The monthly chart (a PNG drawn with matplotlib's Agg backend): pure, data in, bytes out. It names no one."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: a server draws to bytes
from matplotlib.figure import Figure

from bot import i18n
from bot.i18n import t


def waiting_chart(data, title: str) -> bytes:
    """Two panels: median answer time per week of the last quarter, and the slowest stages; its words and dates in
    the language of the moment (`title` comes translated)."""
    fig = Figure(figsize=(9, 6), dpi=100)
    weekly, stages = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    labels = [i18n.short_day(monday) for monday, _, _ in data.weeks]
    weekly.bar(labels, [median for _, median, _ in data.weeks], color="#2e7d32")
    for x, (_, median, count) in enumerate(data.weeks):
        if count:
            weekly.annotate(str(count), (x, median), ha="center", va="bottom", fontsize=7, color="#555555")
    weekly.set_title(title)
    weekly.set_ylabel(t("median business days\nto answer"))
    weekly.tick_params(axis="x", labelrotation=45, labelsize=8)
    if data.stages:
        names = [name for name, _ in reversed(data.stages)]
        stages.barh(names, [value for _, value in reversed(data.stages)], color="#f9a825")
        stages.set_xlabel(t("median business days"))
        stages.set_title(t("Slowest stages"))
    else:
        stages.axis("off")
        stages.text(0.5, 0.5, t("Nothing was decided this quarter."), ha="center", va="center")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
