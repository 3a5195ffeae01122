"""Charts of a procurement run (and of runs side by side) as PNG for the planner's report.

Drawn on a bare `matplotlib.figure.Figure`, not pyplot: no global figure registry, so the
functions are safe to call from the service's worker threads and leak nothing. Money is
shown in billions of VND (tỷ đồng), the unit planners budget in; shares in percent."""

from __future__ import annotations

import io
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .procurement_views import RunOutputs, YearReadiness

ChartName = Literal["stock-vs-target", "spend", "readiness"]
CHART_NAMES: tuple[ChartName, ...] = ("stock-vs-target", "spend", "readiness")
#: the category of an item the run's catalogue facts do not name
UNKNOWN_CATEGORY = "không rõ / unknown"

_BILLION = 1e9
_HELD, _TARGET, _BUDGET = "#1f6f43", "#b8c2cc", "#c0392b"
_DPI = 110


def served_by_year(run: RunOutputs) -> dict[int, YearReadiness]:
    """The run's readiness per year (one place for the table, the rows and the charts)."""
    return {r.year: r for r in run.readiness}


def chart(run: RunOutputs, name: ChartName) -> bytes:
    """One of CHART_NAMES as PNG bytes; an unknown name is a ValueError (the caller's 4xx)."""
    draw = _CHARTS.get(name)
    if draw is None:
        raise ValueError(f"unknown chart {name!r}; one of {', '.join(CHART_NAMES)}")
    return draw(run)


def _title(run: RunOutputs, what: str) -> str:
    return f"{what} — run {run.run_id} «{run.label}»"


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=_DPI)
    return out.getvalue()


def _nothing(ax: Axes, run: RunOutputs, what: str) -> None:
    """An empty run still gets a chart that says why it is empty, not a blank frame."""
    ax.text(
        0.5,
        0.5,
        f"Không có số liệu / no {what}\n(status: {run.result.status})",
        ha="center",
        va="center",
        transform=ax.transAxes,
        fontsize=11,
        color="#555555",
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _legend_below(fig: Figure, ax: Axes) -> None:
    """One legend under the panels, where it cannot hide a bar or a point."""
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)


def _compact(value: float) -> str:
    """Bar labels short enough not to collide: 1234 -> 1.2k, 2500000 -> 2.5M."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


# --------------------------------------------------------------------------- stock


def _category_sums(run: RunOutputs) -> dict[str, dict[int, tuple[int, int]]]:
    """category -> year -> (target, held) summed over depots and the category's items."""
    sums: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in run.result.stock:
        facts = run.items.get(row.item)
        pair = sums[facts.category if facts else UNKNOWN_CATEGORY][row.year]
        pair[0] += row.target
        pair[1] += row.held
    return {c: {y: (p[0], p[1]) for y, p in ys.items()} for c, ys in sums.items()}


def _stock_vs_target(run: RunOutputs) -> bytes:
    """One panel per category (units of different categories do not add up), years as
    groups of two bars: the target and what is held at year's end."""
    sums = _category_sums(run)
    cats = sorted(sums) or [""]
    ncols = min(2, len(cats))
    nrows = math.ceil(len(cats) / ncols)
    fig = Figure(figsize=(max(8.5, 5.6 * ncols), 3.3 * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    fig.suptitle(_title(run, "Tồn kho so với mục tiêu / Stock vs target (year-end)"))
    for ax, cat in zip(axes, cats, strict=False):
        if cat not in sums:
            _nothing(ax, run, "stock figures")
            continue
        years = sorted(sums[cat])
        xs = range(len(years))
        for offset, index, label, colour in (
            (-0.2, 0, "Mục tiêu / target", _TARGET),
            (0.2, 1, "Tồn kho / held", _HELD),
        ):
            heights = [sums[cat][y][index] for y in years]
            bars = ax.bar([x + offset for x in xs], heights, 0.4, label=label, color=colour)
            ax.bar_label(bars, labels=[_compact(h) for h in heights], fontsize=7, padding=1)
        ax.set_xticks(list(xs), [str(y) for y in years])
        ax.set_title(cat, fontsize=10)
        ax.set_ylabel("đơn vị / units (sum of items)")
        ax.margins(y=0.15)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(cats) :]:
        ax.set_visible(False)
    _legend_below(fig, axes[0])
    return _png(fig)


# --------------------------------------------------------------------------- spend


def _spend(run: RunOutputs) -> bytes:
    """Bars of each year's spend with a short bar-wide line at that year's budget."""
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.set_title(_title(run, "Chi tiêu / Spend vs budget"), fontsize=10)
    years = sorted(run.result.years, key=lambda s: s.year)
    if not years:
        _nothing(ax, run, "yearly figures")
        return _png(fig)
    xs = list(range(len(years)))
    spend = [s.spend_vnd / _BILLION for s in years]
    bars = ax.bar(xs, spend, 0.6, color=_HELD, label="Chi tiêu / spend")
    ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=1)
    ax.hlines(
        [s.budget_vnd / _BILLION for s in years],
        [x - 0.4 for x in xs],
        [x + 0.4 for x in xs],
        colors=_BUDGET,
        linewidth=2.5,
        label="Ngân sách / budget",
    )
    ax.set_xticks(xs, [str(s.year) for s in years])
    ax.set_xlabel("Năm / year")
    ax.set_ylabel("tỷ đồng / billion VND")
    ax.margins(y=0.15)
    ax.grid(axis="y", alpha=0.3)
    _legend_below(fig, ax)
    return _png(fig)


# --------------------------------------------------------------------------- readiness


def _readiness(run: RunOutputs) -> bytes:
    """Served share per year; today's (before any order) as a hollow starting point."""
    fig = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.set_title(_title(run, "Sẵn sàng / Readiness"), fontsize=10)
    points = sorted(run.readiness, key=lambda r: r.year)
    if not points and run.readiness_today is None:
        _nothing(ax, run, "readiness figures")
        return _png(fig)
    labels = [str(p.year) for p in points]
    shares = [p.served_share * 100 for p in points]
    start = 0
    if run.readiness_today is not None:
        start = 1
        labels.insert(0, "Hôm nay / today")
        shares.insert(0, run.readiness_today.served_share * 100)
        ax.plot([0], shares[:1], "o", mfc="white", mec=_HELD, ms=9, label="Hôm nay / today")
        if points:
            ax.plot([0, 1], shares[:2], "--", color=_HELD, alpha=0.6)
    ax.plot(range(start, len(shares)), shares[start:], "o-", color=_HELD, label="Kế hoạch / plan")
    for x, share in enumerate(shares):
        ax.annotate(
            f"{share:.0f}%",
            (x, share),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 108)
    ax.set_xlabel("Năm / year (year-end stock)")
    ax.set_ylabel("kịch bản được phục vụ / scenarios served (%)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


_CHARTS: dict[str, Callable[[RunOutputs], bytes]] = {
    "stock-vs-target": _stock_vs_target,
    "spend": _spend,
    "readiness": _readiness,
}


# --------------------------------------------------------------------------- compare


def compare_chart(runs: Sequence[RunOutputs]) -> bytes:
    """Runs side by side: readiness per year (a line each) and spend per year (a bar each,
    with its own budget marker, since a what-if may cut one run's budget)."""
    fig = Figure(figsize=(12.5, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    fig.suptitle("So sánh phương án / Runs compared: " + ", ".join(f"{r.run_id}" for r in runs))
    left.set_title("Sẵn sàng / Readiness", fontsize=10)
    right.set_title("Chi tiêu và ngân sách / Spend and budget", fontsize=10)
    years = sorted(
        {s.year for r in runs for s in r.result.years} | {p.year for r in runs for p in r.readiness}
    )
    if not years:
        for ax in (left, right):
            ax.text(0.5, 0.5, "Không có số liệu / no figures", ha="center", transform=ax.transAxes)
        return _png(fig)
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        colour = f"C{i % 10}"
        label = f"{run.label} (run {run.run_id})"
        served = sorted(run.readiness, key=lambda p: p.year)
        left.plot(
            [p.year for p in served],
            [p.served_share * 100 for p in served],
            "o-",
            color=colour,
            label=label,
        )
        summary = sorted(run.result.years, key=lambda s: s.year)
        xs = [s.year - 0.4 + width * (i + 0.5) for s in summary]
        right.bar(
            xs, [s.spend_vnd / _BILLION for s in summary], width * 0.9, color=colour, label=label
        )
        right.hlines(
            [s.budget_vnd / _BILLION for s in summary],
            [x - width / 2 for x in xs],
            [x + width / 2 for x in xs],
            colors="black",
            linewidth=2,
        )
    right.plot([], [], "_", color="black", ms=14, mew=2, label="Ngân sách / budget")
    left.set_ylim(0, 105)
    left.set_ylabel("kịch bản được phục vụ / scenarios served (%)")
    right.set_ylabel("tỷ đồng / billion VND")
    for ax in (left, right):
        ax.set_xticks(years, [str(y) for y in years])
        ax.set_xlabel("Năm / year")
        ax.grid(axis="y", alpha=0.3)
    _legend_below(fig, right)
    return _png(fig)
