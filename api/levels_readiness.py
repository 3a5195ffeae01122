"""Readiness as a planner reads it: overall and by incident type, level and zone, from the
per-scenario outcomes of `evaluate_levels`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from inventory.levels_records import ReadinessRow
from optimizer.levels_model import Readiness, ScenarioOutcome

#: The breakdowns kept with a run and shown by GET /readiness, in display order.
TAGS = ("type", "level", "zone")


def readiness_rows(readiness: Readiness, stock: str) -> list[ReadinessRow]:
    """One row for all scenarios (tag "all"), then one per value of each tag."""
    rows = [_row(stock, "all", "all", readiness.outcomes)]
    for tag in TAGS:
        groups: dict[str, list[ScenarioOutcome]] = defaultdict(list)
        for o in readiness.outcomes:
            groups[o.tags.get(tag, "?")].append(o)
        rows.extend(_row(stock, tag, value, groups[value]) for value in sorted(groups))
    return rows


def _row(stock: str, tag: str, value: str, outcomes: Sequence[ScenarioOutcome]) -> ReadinessRow:
    weight = sum(o.probability for o in outcomes)
    if weight <= 0:
        return ReadinessRow(stock, tag, value, len(outcomes), 0.0, 0.0, 0.0, None)
    served = [o for o in outcomes if o.served_in_time]
    full = [o for o in outcomes if math.isfinite(o.time_to_full)]
    full_weight = sum(o.probability for o in full)
    return ReadinessRow(
        stock=stock,
        tag=tag,
        value=value,
        scenarios=len(outcomes),
        served_share=sum(o.probability for o in served) / weight,
        expected_unmet=sum(o.probability * o.unmet for o in outcomes) / weight,
        expected_late=sum(o.probability * o.late for o in outcomes) / weight,
        expected_time_to_full_h=(
            sum(o.probability * o.time_to_full for o in full) / full_weight if full else None
        ),
    )
