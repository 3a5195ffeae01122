"""Use case: the readiness of today's stock, as GET /readiness and `chemdepot levels
evaluate` answer it.

Measured over the scenario set of the run accepted last (or a default set), cached under
the ledger version, the day and the closures, so it follows every movement without solving
again for every request; each computation keeps the day's figure for the trend."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from inventory.ledger import utcnow
from inventory.levels_records import ReadinessRow
from inventory.scenarios import ScenarioParams, params_dict
from inventory.uow import UnitOfWork

from .levels_service import (
    READINESS_SCENARIOS,
    read_inputs,
    sample,
    scenario_params_of,
    stored_scenario_set,
    today_readiness,
)
from .network_service import RoadContext
from .services import today
from .settings import Settings

#: Days of daily figures returned with today's readiness.
TREND_DAYS = 90
_CACHE_SIZE = 8


class ReadinessCache:
    """Readiness rows by (scenario params, ledger version, day, closures); thread-safe."""

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self._rows: OrderedDict[tuple[str, ...], list[ReadinessRow]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: tuple[str, ...]) -> list[ReadinessRow] | None:
        with self._lock:
            rows = self._rows.get(key)
            if rows is not None:
                self._rows.move_to_end(key)
                self.hits += 1
            return rows

    def put(self, key: tuple[str, ...], rows: list[ReadinessRow]) -> None:
        with self._lock:
            self._rows[key] = rows
            if len(self._rows) > self._size:
                self._rows.popitem(last=False)


@dataclass(frozen=True)
class TodayReadiness:
    computed_at: dt.datetime
    ledger_version: str
    cached: bool
    scenario_set_id: int
    params: ScenarioParams
    rows: list[ReadinessRow]
    trend: list[tuple[dt.date, float, float]]


def default_params() -> ScenarioParams:
    return ScenarioParams(count=READINESS_SCENARIOS, seed=0)


def readiness_today(
    uow: UnitOfWork, road: RoadContext, settings: Settings, cache: ReadinessCache, *, actor: str
) -> TodayReadiness:
    day = today()
    with uow.reading():
        reference = uow.levels.accepted_scenario_set()
        params = default_params() if reference is None else scenario_params_of(reference)
        inputs, version = read_inputs(uow, (), day)
    key = (_params_key(params), version, day.isoformat(), inputs.overlay.key())
    rows = cache.get(key)
    cached = rows is not None
    scenarios = sample(settings.data_dir, params)  # a few ms: the stored set needs it
    if rows is None:
        rows = today_readiness(inputs, scenarios, road, settings)
        cache.put(key, rows)
    now = utcnow()
    with uow:
        stored = stored_scenario_set(uow.levels, scenarios, actor, now)
        everything = rows[0]
        uow.levels.record_daily(
            day=day,
            scenario_set_id=stored.id,
            version=version,
            served_share=everything.served_share,
            expected_unmet=everything.expected_unmet,
            now=now,
        )
        trend = [
            (r.day, r.served_share, r.expected_unmet)
            for r in uow.levels.daily(stored.id, day - dt.timedelta(days=TREND_DAYS))
        ]
        set_id = stored.id
        uow.commit()
    return TodayReadiness(now, version, cached, set_id, params, rows, trend)


def _params_key(params: ScenarioParams) -> str:
    return json.dumps(params_dict(params), sort_keys=True)
