"""The import part of `bench/ledger.py`: a receipts file of N rows posted through the use
case (`api.tabular.import_receipts`, one transaction), beside a ceiling measured in the same
run on the same database: the bare driver writing the same N ledger lines (executemany in
one committed transaction) into a scratch table of the same columns.

The file is what a depot receives from suppliers: 60 % rows of untracked items at depots
that store them, 40 % rows of lot-tracked items over N/25 new lots (each named on about 25
rows, at several depots, with an expiry date a year or more ahead), quantities 1 to 50.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from api.services import Database, today
from api.tabular import import_receipts

_COLUMNS = ("depot", "item", "quantity", "lot_no", "expiry_date", "source", "reference")
#: the columns of a ledger line the bare-driver ceilings write
LEDGER_LINE_COLUMNS = (
    "kind",
    "from_location_id",
    "to_location_id",
    "item_code",
    "lot_id",
    "quantity",
    "reason",
    "actor",
    "posted_at",
)


class Raw(Protocol):
    """What the ceiling needs of `bench.ledger`'s raw driver connections."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def load(self, sql: str, rows: Any) -> None: ...

    def stamp(self, moment: dt.datetime) -> Any: ...


class Medians:
    """Figures measured `repeats` times, ours and the ceiling's: their medians and ratio."""

    ours: list[float]
    ceiling: list[float]

    @property
    def ours_median(self) -> float:
        return statistics.median(self.ours)

    @property
    def ceiling_median(self) -> float:
        return statistics.median(self.ceiling)

    @property
    def ratio(self) -> float:
        return self.ours_median / self.ceiling_median if self.ceiling_median else 0.0


@dataclass(frozen=True)
class ImportFigures(Medians):
    """Seconds per import of `rows` rows through the use case and through the bare driver
    (`ratio`: how many times the bare driver's time the use case takes)."""

    backend: str
    rows: int
    ours: list[float]
    ceiling: list[float]
    movements_posted: int


def _targets(raw: Raw) -> tuple[list[tuple[str, str]], list[tuple[str, list[str], int]]]:
    """(depot, untracked item) pairs that may be received, and lot-tracked items with the
    depots that store them and their shelf life."""
    classes = {
        code: set(json.loads(c) if isinstance(c, str) else c)
        for code, c in raw.query("SELECT code, storage_classes FROM depots ORDER BY code")
    }
    items = raw.query(
        "SELECT code, tracking, storage_class, shelf_life_days FROM items "
        "WHERE tracking IN ('none', 'lot') ORDER BY code"
    )
    untracked = [
        (depot, code)
        for code, tracking, storage, _shelf in items
        if tracking == "none"
        for depot in sorted(classes)
        if storage in classes[depot]
    ]
    tracked = [
        (code, [d for d in sorted(classes) if storage in classes[d]], int(shelf or 0))
        for code, tracking, storage, shelf in items
        if tracking == "lot"
    ]
    tracked = [t for t in tracked if t[1]]
    if not untracked or not tracked:
        raise RuntimeError("the seeded dataset has no items to import")
    return untracked, tracked


def receipts_file(raw: Raw, rows: int, rng: random.Random, tag: str) -> bytes:
    """A CSV of `rows` receipts (see the module's docstring); lot numbers carry `tag`."""
    untracked, tracked = _targets(raw)
    day = today()
    lots = []
    for k in range(max(1, rows // 25)):
        item, depots, shelf = tracked[k % len(tracked)]
        expiry = day + dt.timedelta(days=365 + (k % max(1, shelf or 300)))
        lots.append((item, depots, f"IMP-{tag}-{k:05d}", f"{expiry:%Y-%m-%d}"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_COLUMNS)
    for i in range(rows):
        quantity = rng.randint(1, 50)
        if i % 5 < 3:
            depot, item = untracked[rng.randrange(len(untracked))]
            writer.writerow((depot, item, quantity, "", "", "supplier", f"bench-import-{tag}"))
        else:
            item, depots, lot_no, expires = lots[rng.randrange(len(lots))]
            depot = depots[rng.randrange(len(depots))]
            writer.writerow(
                (depot, item, quantity, lot_no, expires, "supplier", f"bench-import-{tag}")
            )
    return out.getvalue().encode()


def _ceiling(raw: Raw, rows: int, now: dt.datetime) -> float:
    """Seconds for the bare driver to write `rows` ledger lines in one transaction."""
    columns = ", ".join(LEDGER_LINE_COLUMNS)
    raw.execute(
        f"CREATE TABLE IF NOT EXISTS bench_import_lines AS SELECT {columns} "
        "FROM movements WHERE 1 = 0"
    )
    loc, lot, item = raw.query("SELECT location_id, lot_id, item_code FROM balances LIMIT 1")[0]
    stamp = raw.stamp(now)
    lines = [
        ("receipt", loc, loc, item, lot, 1 + i % 50, "supplier", "bench", stamp)
        for i in range(rows)
    ]
    marks = ", ".join("?" * len(LEDGER_LINE_COLUMNS))
    started = time.perf_counter()
    raw.load(
        f"INSERT INTO bench_import_lines ({', '.join(LEDGER_LINE_COLUMNS)}) VALUES ({marks})", lines
    )
    return time.perf_counter() - started


def measure_import(
    backend: str,
    db: Database,
    raw: Raw,
    *,
    rows: int,
    repeats: int,
    rng: random.Random,
    tag: str,
    log: Callable[[str], None],
) -> ImportFigures:
    """Import a fresh file of `rows` rows `repeats` times (new lot numbers each time), and
    the ceiling after each, back to back so drift on the machine hits both."""
    ours: list[float] = []
    ceiling: list[float] = []
    posted = 0
    # The file is sized for speed, not for the bundled depots' rooms (its rows would take
    # them past capacity and be refused): give the scratch database's depots a thousand
    # times the room. Each row is still checked against it (capacity.admit), at full cost.
    # Depots are reference rows the service keeps once read: forget them after the change.
    raw.load(
        "UPDATE depots SET capacity_m3 = capacity_m3 * 1000, capacity_kg = capacity_kg * 1000", [()]
    )
    db.reference.clear()
    for repeat in range(repeats):
        content = receipts_file(raw, rows, rng, f"{tag}{repeat}")
        started = time.perf_counter()
        result, _replayed = import_receipts(
            db.uow(),
            content,
            "bench-receipts.csv",
            key=f"bench-import:{tag}:{repeat}",
            actor="bench",
            max_rows=rows,
        )
        ours.append(time.perf_counter() - started)
        posted += len(result["movement_ids"])
        ceiling.append(_ceiling(raw, rows, dt.datetime.now(dt.UTC)))
        log(
            f"{backend}: import of {rows:,} rows run {repeat + 1}: {ours[-1]:.2f} s, "
            f"ceiling {ceiling[-1]:.2f} s"
        )
    return ImportFigures(backend, rows, ours, ceiling, posted)
