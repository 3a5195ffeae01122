"""Charts of a stock-levels run: readiness before (today's stock) and after (the run's
levels), by zone, incident type or level, as PNG for the planner's report."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display: charts are rendered to bytes

import matplotlib.pyplot as plt

from inventory.planning_models import LevelsRunReadiness

#: chart name -> (tag, title)
CHARTS = {
    "by-zone": ("zone", "Readiness by zone"),
    "by-type": ("type", "Readiness by incident type"),
    "by-level": ("level", "Readiness by incident level"),
}


def readiness_chart(rows: Sequence[LevelsRunReadiness], name: str, run_id: int) -> bytes:
    """Grouped bars: the share of scenarios served in time before and after, per value."""
    tag, title = CHARTS[name]
    values = sorted({r.value for r in rows if r.tag == tag})
    share = {(r.stock, r.value): r.served_share * 100 for r in rows if r.tag == tag}
    counts = {r.value: r.scenarios for r in rows if r.tag == tag and r.stock == "before"}
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(values) + 2), 4.2), dpi=110)
    try:
        xs = range(len(values))
        width = 0.38
        for offset, stock, colour in (
            (-width / 2, "before", "#9aa5b1"),
            (width / 2, "after", "#1f6f43"),
        ):
            heights = [share.get((stock, v), 0.0) for v in values]
            bars = ax.bar(
                [x + offset for x in xs], heights, width, label=_label(stock), color=colour
            )
            ax.bar_label(bars, fmt="%.0f%%", fontsize=7, padding=1)
        ax.set_xticks(list(xs), [f"{v}\n({counts.get(v, 0)})" for v in values], fontsize=8)
        ax.set_ylim(0, 110)
        ax.set_ylabel("scenarios served in time (%)")
        ax.set_title(f"{title}, run {run_id} (scenarios per group in brackets)", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def _label(stock: str) -> str:
    return "today's stock" if stock == "before" else "the run's levels"
