"""Ledger benchmark: posting throughput and "what do I hold" latency on SQLite and
PostgreSQL, each printed beside a bare-driver ceiling measured in the same run on the
same database, so the ratio says what the use case costs over the database itself.

    python -m bench.ledger [--quick] [--movements N] [--seconds S] [--json FILE]

bench/README.md explains each number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
import sqlalchemy
from psycopg.conninfo import make_conninfo
from rich import box
from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from api.services import Database, init_database, post_movement, today
from api.settings import ROOT, Settings
from bench._cli import run_main
from bench.ledger_import import LEDGER_LINE_COLUMNS, ImportFigures, Medians, measure_import
from inventory.checks import check_ledger
from inventory.commands import Issue, Receipt
from inventory.queries import StockFilter, list_stock, stock_detail

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgres")

_BUMP = "UPDATE bench_counter SET n = n + 1 WHERE id = ?"
_READ_BALANCE = "SELECT on_hand, reserved FROM balances WHERE location_id = ? AND lot_id = ?"
_MOVEMENT_COLUMNS = LEDGER_LINE_COLUMNS
#: Ledger minus balances per location x lot, the physical-stock rules, and per-item zero sums:
#: the invariants of `inventory.checks.check_ledger`, as SQL that stays cheap at 1M movements.
_SQL_CHECKS = {
    "location x lot balances that differ from the ledger": """
        SELECT COUNT(*) FROM (
            SELECT location_id, lot_id FROM (
                SELECT to_location_id AS location_id, lot_id, quantity AS q FROM movements
                UNION ALL SELECT from_location_id, lot_id, -quantity FROM movements
                UNION ALL SELECT location_id, lot_id, -on_hand FROM balances
            ) AS legs GROUP BY location_id, lot_id HAVING SUM(q) <> 0
        ) AS bad""",
    "balances negative or over-reserved": """
        SELECT COUNT(*) FROM balances
        WHERE reserved < 0 OR (NOT allow_negative AND (on_hand < 0 OR reserved > on_hand))""",
    "items whose balances do not sum to zero": """
        SELECT COUNT(*) FROM (
            SELECT item_code FROM balances GROUP BY item_code HAVING SUM(on_hand) <> 0
        ) AS bad""",
}
_VARIANTS = {
    "single": "1 writer, 4 depot x item pairs in turn",
    "same": "all on one depot x item",
    "spread": "each on its own depot x item",
}


@dataclass(frozen=True)
class BenchParams:
    """What one run measures; checks itself on construction."""

    movements: int = 1_000_000
    seconds: float = 5.0
    repeats: int = 3
    writers: int = 16
    calls: int = 2000
    extra_lots: int = 5000
    backends: tuple[str, ...] = BACKENDS
    postgres_url: str = DEFAULT_POSTGRES_URL
    seed: int = 1251
    #: Up to this many movements in the database, `check_ledger` itself verifies the load.
    full_check_limit: int = 200_000
    #: rows of the receipts file imported through the use case (0: no import run)
    import_rows: int = 20_000

    def __post_init__(self) -> None:
        if self.movements < 0:
            raise ValueError(f"movements must be zero or more (got {self.movements})")
        if self.seconds <= 0:
            raise ValueError(f"seconds must be greater than zero (got {self.seconds})")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1 (got {self.repeats})")
        if self.writers < 2:
            raise ValueError(f"writers must be at least 2 (got {self.writers})")
        if self.calls < 20:
            raise ValueError(f"calls must be at least 20 (got {self.calls})")
        if self.import_rows < 0:
            raise ValueError(f"import rows must be zero or more (got {self.import_rows})")
        if self.extra_lots < 0:
            raise ValueError(f"extra lots must be zero or more (got {self.extra_lots})")
        unknown = set(self.backends) - set(BACKENDS)
        if unknown or not self.backends:
            raise ValueError(f"backends must be among {BACKENDS} (got {self.backends})")


# --------------------------------------------------------------------- results
@dataclass(frozen=True)
class Throughput(Medians):
    """Movements per second through the use case and the bare ceiling, one value per repeat."""

    backend: str
    writers: int
    variant: str
    ours: list[float]
    ceiling: list[float]
    errors: int = 0
    ceiling_errors: int = 0
    first_error: str | None = None


@dataclass(frozen=True)
class Latency:
    """One read path timed over many calls, beside the bare primary-key read."""

    backend: str
    query: str
    calls: int
    rows_per_call: float
    median_ms: float
    p99_ms: float
    ceiling_median_ms: float
    ceiling_p99_ms: float

    @property
    def ratio(self) -> float:
        return self.median_ms / self.ceiling_median_ms if self.ceiling_median_ms else 0.0


@dataclass(frozen=True)
class LoadStats:
    movements_loaded: int
    movements_total: int
    lots: int
    balances: int
    seconds: float


@dataclass
class BackendRun:
    backend: str
    seed_seconds: float = 0.0
    statements_per_movement: float = 0.0
    throughput: list[Throughput] = field(default_factory=list)
    imports: ImportFigures | None = None
    load: LoadStats | None = None
    check_method: str = ""
    check_problems: list[str] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)


# ------------------------------------------------------------- the bare driver
class _Raw(Protocol):
    """A raw DB-API connection: what the ceilings run on and the bulk load writes through.
    SQL is written with `?` placeholders."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def load(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def copy_movements(self, rows: Iterable[Sequence[Any]]) -> None: ...

    def bump(self, counter_id: int) -> None: ...

    def read_balance(self, location_id: int, lot_id: int) -> tuple[Any, ...] | None: ...

    def stamp(self, moment: dt.datetime) -> Any: ...

    def day(self, value: dt.date | None) -> Any: ...

    def close(self) -> None: ...


class _SqliteRaw:
    """sqlite3 with the pragmas `inventory.db.make_engine` sets; writes take the lock
    up front (BEGIN IMMEDIATE) like the application's write transactions."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("PRAGMA busy_timeout=30000")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.conn.execute(sql, params).fetchall()]

    @contextmanager
    def _write(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def load(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self._write():
            self.conn.executemany(sql, rows)

    def copy_movements(self, rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(_MOVEMENT_COLUMNS))
        self.load(f"INSERT INTO movements ({', '.join(_MOVEMENT_COLUMNS)}) VALUES ({marks})", rows)

    def bump(self, counter_id: int) -> None:
        with self._write():
            self.conn.execute(_BUMP, (counter_id,))

    def read_balance(self, location_id: int, lot_id: int) -> tuple[Any, ...] | None:
        row = self.conn.execute(_READ_BALANCE, (location_id, lot_id)).fetchone()
        return None if row is None else tuple(row)

    def stamp(self, moment: dt.datetime) -> Any:
        # The text SQLAlchemy's SQLite DateTime writes (UTC, no offset).
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def day(self, value: dt.date | None) -> Any:
        return None if value is None else value.isoformat()

    def close(self) -> None:
        self.conn.close()


def _pg_sql(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgRaw:
    """psycopg 3 in autocommit; writes open an explicit transaction (BEGIN ... COMMIT),
    as SQLAlchemy does on the same driver."""

    def __init__(self, conninfo: str) -> None:
        self.conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(_pg_sql(sql), params or None)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(_pg_sql(sql), params or None).fetchall()

    def load(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.executemany(_pg_sql(sql), rows)

    def copy_movements(self, rows: Iterable[Sequence[Any]]) -> None:
        statement = f"COPY movements ({', '.join(_MOVEMENT_COLUMNS)}) FROM STDIN"
        with self.conn.transaction(), self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def bump(self, counter_id: int) -> None:
        with self.conn.transaction():
            self.conn.execute(_pg_sql(_BUMP), (counter_id,))

    def read_balance(self, location_id: int, lot_id: int) -> tuple[Any, ...] | None:
        return self.conn.execute(_pg_sql(_READ_BALANCE), (location_id, lot_id)).fetchone()

    def stamp(self, moment: dt.datetime) -> Any:
        return moment

    def day(self, value: dt.date | None) -> Any:
        return value

    def close(self) -> None:
        self.conn.close()


@dataclass(frozen=True)
class _Backend:
    name: str
    url: str
    connect: Callable[[], _Raw]


def _conninfo(url: URL) -> str:
    return make_conninfo(
        "",
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
    )


@contextmanager
def _sqlite_backend() -> Iterator[_Backend]:
    with tempfile.TemporaryDirectory(prefix="chemdepot-bench-") as tmp:
        path = Path(tmp) / "bench.db"
        yield _Backend("sqlite", f"sqlite:///{path}", lambda: _SqliteRaw(path))


@contextmanager
def _postgres_backend(admin_url: str) -> Iterator[_Backend]:
    """A database of our own, dropped at the end whatever happens."""
    admin = make_url(admin_url)
    name = f"chemdepot_bench_{os.getpid()}"
    with psycopg.connect(_conninfo(admin), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.set(database=name)
    try:
        yield _Backend(
            "postgresql", url.render_as_string(hide_password=False), lambda: _PgRaw(_conninfo(url))
        )
    finally:
        with psycopg.connect(_conninfo(admin), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _probe_postgres(admin_url: str) -> tuple[dict[str, str] | None, str | None]:
    """Server version and durability settings, or why the server did not answer."""
    try:
        with psycopg.connect(
            _conninfo(make_url(admin_url)), autocommit=True, connect_timeout=5
        ) as conn:
            info = {}
            for setting in ("server_version", "synchronous_commit", "fsync", "shared_buffers"):
                row = conn.execute(f"SHOW {setting}").fetchone()
                info[setting] = "?" if row is None else str(row[0])
            return info, None
    except psycopg.Error as exc:
        return None, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _machine(pg: dict[str, str] | None, pg_problem: str | None) -> dict[str, str]:
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    cpu = platform.processor() or "?"
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if pg is not None:
        postgres = (
            f"{pg['server_version']} (synchronous_commit={pg['synchronous_commit']}, "
            f"fsync={pg['fsync']}, shared_buffers={pg['shared_buffers']})"
        )
    else:
        postgres = f"not reachable ({pg_problem})" if pg_problem else "not run"
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": f"{sqlite3.sqlite_version} (WAL, synchronous=NORMAL)",
        "postgresql": postgres,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
    }


# ------------------------------------------------------------------ throughput
class _Worker(Protocol):
    def step(self, n: int) -> None: ...

    def close(self) -> None: ...


class _PostWorker:
    """One writer, own session per movement: receipt, issue, receipt, ... of 1 unit."""

    def __init__(self, db: Database, pairs: Sequence[tuple[str, str]], key_prefix: str) -> None:
        self.db = db
        self.pairs = pairs
        self.key_prefix = key_prefix

    def step(self, n: int) -> None:
        depot, item = self.pairs[(n // 2) % len(self.pairs)]
        command: Receipt | Issue
        if n % 2 == 0:
            command = Receipt(depot=depot, item=item, quantity=1, reference="bench")
        else:
            command = Issue(depot=depot, item=item, quantity=1, reference="bench")
        post_movement(self.db.uow(), command, key=f"{self.key_prefix}:{n}", actor="bench")

    def close(self) -> None:
        return None


class _BumpWorker:
    """One writer on its own raw connection: one committed single-row UPDATE per step."""

    def __init__(self, connect: Callable[[], _Raw], counter_id: int) -> None:
        self.raw = connect()
        self.counter_id = counter_id

    def step(self, n: int) -> None:
        self.raw.bump(self.counter_id)

    def close(self) -> None:
        self.raw.close()


@dataclass(frozen=True)
class _Timed:
    per_second: float
    errors: int
    first_error: str | None


def _run_writers(
    make: Callable[[int], _Worker], writers: int, seconds: float, warmup: int
) -> _Timed:
    """Steps per second of `writers` threads, each looping for `seconds` wall seconds after
    `warmup` untimed steps; all start together."""
    barrier = threading.Barrier(writers + 1)
    counts = [0] * writers
    ends = [0.0] * writers
    errors: list[str] = []
    lock = threading.Lock()

    def note(exc: BaseException) -> None:
        with lock:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")

    def run(w: int) -> None:
        worker: _Worker | None = None
        n = 0
        try:
            worker = make(w)
            for _ in range(warmup):
                worker.step(n)
                n += 1
        except Exception as exc:
            note(exc)
            worker = None
        barrier.wait()
        if worker is None:
            return
        stop = time.perf_counter() + seconds
        done = 0
        while time.perf_counter() < stop:
            try:
                worker.step(n)
                done += 1
            except Exception as exc:
                note(exc)
            n += 1
        ends[w] = time.perf_counter()
        counts[w] = done
        worker.close()

    threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = max(ends) - start if max(ends) > start else seconds
    return _Timed(sum(counts) / elapsed, len(errors), errors[0] if errors else None)


@dataclass(frozen=True)
class _Case:
    variant: str
    writers: int

    def pairs_for(self, w: int, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        if self.variant == "single":
            return list(pairs[:4])
        if self.variant == "same":
            return [pairs[0]]
        return [pairs[w % len(pairs)]]

    def counter_for(self, w: int) -> int:
        return w + 1 if self.variant == "spread" else 1


def _post_factory(
    db: Database, case: _Case, pairs: Sequence[tuple[str, str]], prefix: str
) -> Callable[[int], _Worker]:
    def make(w: int) -> _Worker:
        return _PostWorker(db, case.pairs_for(w, pairs), f"{prefix}:{w}")

    return make


def _bump_factory(connect: Callable[[], _Raw], case: _Case) -> Callable[[int], _Worker]:
    def make(w: int) -> _Worker:
        return _BumpWorker(connect, case.counter_for(w))

    return make


def _posting_pairs(raw: _Raw) -> list[tuple[str, str]]:
    """Untracked general-storage items matched one to one with depots that store them."""
    items = [
        row[0]
        for row in raw.query(
            "SELECT code FROM items WHERE tracking = 'none' AND storage_class = 'general' "
            "ORDER BY code"
        )
    ]
    depots = []
    for code, classes in raw.query("SELECT code, storage_classes FROM depots ORDER BY code"):
        if "general" in (json.loads(classes) if isinstance(classes, str) else classes):
            depots.append(code)
    if not items or not depots:
        raise RuntimeError("the seeded dataset has no untracked general item or depot")
    return list(zip(depots, items, strict=False))


def _statements_per_movement(db: Database, pairs: Sequence[tuple[str, str]], tag: str) -> float:
    """SQL statements one posting sends (BEGIN, COMMIT and the pool's ping not counted)."""
    seen = [0]

    def count(*_args: Any) -> None:
        seen[0] += 1

    worker = _PostWorker(db, pairs[:1], f"{tag}:count")
    worker.step(0)
    worker.step(1)
    # PostgreSQL claims keys on a pool of its own (Database.autocommit_engine): count both
    engines = [e for e in (db.engine, db.autocommit_engine) if e is not None]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        for n in range(2, 22):
            worker.step(n)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    return seen[0] / 20


def _throughput(
    backend: _Backend,
    db: Database,
    pairs: Sequence[tuple[str, str]],
    params: BenchParams,
    tag: str,
    log: Callable[[str], None],
) -> list[Throughput]:
    cases = [_Case("single", 1), _Case("same", params.writers), _Case("spread", params.writers)]
    ours: dict[_Case, list[_Timed]] = defaultdict(list)
    bare: dict[_Case, list[_Timed]] = defaultdict(list)
    for repeat in range(params.repeats):
        for case in cases:
            # Ours and the ceiling back to back, so drift hits both alike.
            prefix = f"{tag}:{case.variant}:{repeat}"
            timed = _run_writers(
                _post_factory(db, case, pairs, prefix), case.writers, params.seconds, 4
            )
            ours[case].append(timed)
            ceiling = _run_writers(
                _bump_factory(backend.connect, case), case.writers, params.seconds, 20
            )
            bare[case].append(ceiling)
            log(
                f"{backend.name}: {case.writers:>2} writer(s) {case.variant:<6} run {repeat + 1}: "
                f"{timed.per_second:,.0f} movements/s, ceiling {ceiling.per_second:,.0f}/s"
            )
    out = []
    for case in cases:
        errors = [t.first_error for t in ours[case] + bare[case] if t.first_error]
        out.append(
            Throughput(
                backend=backend.name,
                writers=case.writers,
                variant=case.variant,
                ours=[t.per_second for t in ours[case]],
                ceiling=[t.per_second for t in bare[case]],
                errors=sum(t.errors for t in ours[case]),
                ceiling_errors=sum(t.errors for t in bare[case]),
                first_error=errors[0] if errors else None,
            )
        )
    return out


# ------------------------------------------------------------------- bulk load
def _is_usable(condition: str, expiry: Any, calibration: Any, day: str) -> bool:
    """`inventory.ledger.lot_usability` on raw column values (dates as text or date)."""
    return (
        condition == "serviceable"
        and (expiry is None or str(expiry)[:10] >= day)
        and (calibration is None or str(calibration)[:10] >= day)
    )


def _bulk_load(raw: _Raw, params: BenchParams, rng: random.Random, now: dt.datetime) -> LoadStats:
    """Append `params.movements` ledger lines straight into `movements` (executemany or
    COPY) over many lots and depots, and move `balances` by the same amounts, so the
    books still balance. Issues never take more than a location holds."""
    started = time.perf_counter()
    day = today()
    locations = {code: int(loc_id) for loc_id, code in raw.query("SELECT id, code FROM locations")}
    depot_locations = {
        depot: int(loc_id)
        for loc_id, depot in raw.query(
            "SELECT id, depot_code FROM locations WHERE kind = 'depot' ORDER BY depot_code"
        )
    }
    depot_classes = {
        code: set(json.loads(classes) if isinstance(classes, str) else classes)
        for code, classes in raw.query("SELECT code, storage_classes FROM depots")
    }
    items = {
        row[0]: row[1:]
        for row in raw.query(
            "SELECT code, tracking, storage_class, shelf_life_days, calibration_interval_days "
            "FROM items ORDER BY code"
        )
    }

    lot_items = [code for code, (tracking, *_rest) in items.items() if tracking == "lot"]
    new_lots = []
    for k in range(params.extra_lots if lot_items else 0):
        item = lot_items[k % len(lot_items)]
        _tracking, _storage, shelf, calibration = items[item]
        expiry = day + dt.timedelta(days=rng.randint(-120, int(shelf))) if shelf else None
        due = day + dt.timedelta(days=rng.randint(-60, int(calibration))) if calibration else None
        condition = rng.choices(["serviceable", "quarantined", "unserviceable"], [94, 3, 3])[0]
        new_lots.append(
            (
                item,
                f"BENCH-{k:06d}",
                False,
                raw.day(expiry),
                raw.day(due),
                condition,
                raw.stamp(now),
            )
        )
    raw.load(
        "INSERT INTO lots (item_code, lot_no, is_bulk, expiry_date, calibration_due, condition, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        new_lots,
    )

    iso_day = day.isoformat()
    lots: dict[int, tuple[str, bool]] = {}
    for lot_id, item, expiry, due, condition in raw.query(
        "SELECT l.id, l.item_code, l.expiry_date, l.calibration_due, l.condition FROM lots l "
        "JOIN items i ON i.code = l.item_code WHERE i.tracking <> 'serial'"
    ):
        lots[int(lot_id)] = (item, _is_usable(condition, expiry, due, iso_day))

    # Where stock may sit: every depot x lot already stocked, and each new lot at 1-3
    # depots that have the storage class of its item.
    depot_ids = set(depot_locations.values())
    available: dict[tuple[int, int], int] = {}
    existing: set[tuple[int, int]] = set()
    for loc_id, lot_id, on_hand, reserved in raw.query(
        "SELECT location_id, lot_id, on_hand, reserved FROM balances"
    ):
        existing.add((int(loc_id), int(lot_id)))
        if int(loc_id) in depot_ids and int(lot_id) in lots:
            available[(int(loc_id), int(lot_id))] = int(on_hand) - int(reserved)
    slots = set(available)
    for lot_id, item in raw.query("SELECT id, item_code FROM lots WHERE lot_no LIKE 'BENCH-%'"):
        storage = items[item][1]
        where = [loc for depot, loc in depot_locations.items() if storage in depot_classes[depot]]
        for loc_id in rng.sample(where, k=min(len(where), rng.randint(1, 3))):
            slots.add((loc_id, int(lot_id)))
    slot_list = sorted(slots)
    if params.movements and not slot_list:
        raise RuntimeError("no depot x lot to load movements onto")

    supplier, issued = locations["SUPPLIER"], locations["ISSUED"]
    scrap, adjustment = locations["SCRAP"], locations["ADJUSTMENT"]
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    span = dt.timedelta(days=3 * 365)
    step = span / max(params.movements, 1)
    first = now - span

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(params.movements):
            loc, lot = slot_list[rng.randrange(len(slot_list))]
            item, usable = lots[lot]
            have = available.get((loc, lot), 0)
            r = rng.random()
            if r < 0.45 or have <= 0:
                kind, src, dst, qty, reason = (
                    "receipt",
                    supplier,
                    loc,
                    rng.randint(1, 40),
                    "supplier",
                )
            elif r < 0.85 and usable:
                kind, src, dst, reason = "issue", loc, issued, "issue"
                qty = rng.randint(1, min(have, 20))
            elif r < 0.93 or not usable:
                kind, src, dst, reason = "write_off", loc, scrap, "damaged" if usable else "expired"
                qty = rng.randint(1, min(have, 5))
            elif rng.random() < 0.5:
                kind, src, dst, qty, reason = (
                    "count",
                    adjustment,
                    loc,
                    rng.randint(1, 3),
                    "cycle_count",
                )
            else:
                kind, src, dst, reason = "count", loc, adjustment, "cycle_count"
                qty = rng.randint(1, min(have, 3))
            available[(loc, lot)] = have + (qty if dst == loc else -qty)
            deltas[(src, lot)] -= qty
            deltas[(dst, lot)] += qty
            yield (
                kind,
                src,
                dst,
                item,
                lot,
                qty,
                reason,
                "bench-load",
                raw.stamp(first + step * i),
            )

    raw.copy_movements(rows())
    # Separate UPDATEs and INSERTs, not an upsert: SQLite checks the CHECK constraints of
    # the row an upsert proposes before it notices the conflict, so a net decrease of a
    # depot balance would fail `on_hand >= 0` as an upsert.
    changed = sorted((key, delta) for key, delta in deltas.items() if delta)
    raw.load(
        "UPDATE balances SET on_hand = on_hand + ? WHERE location_id = ? AND lot_id = ?",
        [(delta, loc, lot) for (loc, lot), delta in changed if (loc, lot) in existing],
    )
    negative_ok = {supplier, adjustment, locations["PRODUCTION"]}
    raw.load(
        "INSERT INTO balances (location_id, lot_id, item_code, on_hand, reserved, allow_negative) "
        "VALUES (?, ?, ?, ?, 0, ?)",
        [
            (loc, lot, lots[lot][0], delta, loc in negative_ok)
            for (loc, lot), delta in changed
            if (loc, lot) not in existing
        ],
    )
    return LoadStats(
        movements_loaded=params.movements,
        movements_total=int(raw.query("SELECT COUNT(*) FROM movements")[0][0]),
        lots=int(raw.query("SELECT COUNT(*) FROM lots")[0][0]),
        balances=int(raw.query("SELECT COUNT(*) FROM balances")[0][0]),
        seconds=time.perf_counter() - started,
    )


def _check_books(db: Database, raw: _Raw, movements: int, limit: int) -> tuple[str, list[str]]:
    """`check_ledger` while it is cheap enough, else the same invariants in SQL."""
    if movements <= limit:
        with db.readers() as session:
            return "inventory.checks.check_ledger", check_ledger(session)
    problems = []
    for what, sql in _SQL_CHECKS.items():
        bad = int(raw.query(sql)[0][0])
        if bad:
            problems.append(f"{bad} {what}")
    return "SQL check of the ledger invariants", problems


# --------------------------------------------------------------------- latency
_ROUNDS = 10


def _time_interleaved(
    calls: dict[str, Callable[[int], int]], total: int
) -> dict[str, tuple[list[float], float]]:
    """Seconds per call and mean rows per call of each path, after a warm-up. The paths
    take turns in rounds of total/10 calls, so a disturbance on the machine hits them alike."""
    for call in calls.values():
        for i in range(max(50, total // 10)):
            call(i)
    per_round = max(1, total // _ROUNDS)
    samples: dict[str, list[float]] = {name: [] for name in calls}
    rows = dict.fromkeys(calls, 0)
    for r in range(_ROUNDS):
        for name, call in calls.items():
            for i in range(r * per_round, (r + 1) * per_round):
                start = time.perf_counter()
                rows[name] += call(i)
                samples[name].append(time.perf_counter() - start)
    return {name: (samples[name], rows[name] / len(samples[name])) for name in calls}


def _ms(samples: Sequence[float]) -> tuple[float, float]:
    """Median and p99 in milliseconds."""
    p99 = statistics.quantiles(samples, n=100, method="inclusive")[98]
    return statistics.median(samples) * 1000, p99 * 1000


def _latency(
    backend: _Backend, db: Database, raw: _Raw, params: BenchParams, rng: random.Random
) -> list[Latency]:
    day = today()
    stocked = raw.query(
        "SELECT l.depot_code, b.item_code, MIN(b.lot_id), b.location_id FROM balances b "
        "JOIN locations l ON l.id = b.location_id "
        "WHERE l.kind = 'depot' AND b.on_hand <> 0 "
        "GROUP BY l.depot_code, b.item_code, b.location_id ORDER BY l.depot_code, b.item_code"
    )
    targets = rng.sample(stocked, k=min(300, len(stocked)))
    depots = sorted({row[0] for row in stocked})
    rng.shuffle(depots)

    def detail(i: int) -> int:
        depot, item, _lot, _loc = targets[i % len(targets)]
        with db.readers() as session:
            return len(stock_detail(session, depot, item, today=day).lots)

    def listing(i: int) -> int:
        with db.readers() as session:
            flt = StockFilter(depot=depots[i % len(depots)])
            page = list_stock(session, flt, today=day, limit=100)
            return len(page.items)

    def bare(i: int) -> int:
        _depot, _item, lot, loc = targets[i % len(targets)]
        return 0 if raw.read_balance(int(loc), int(lot)) is None else 1

    timed = _time_interleaved(
        {
            "ceiling": bare,
            "stock_detail(depot, item)": detail,
            "list_stock(depot=..., limit=100)": listing,
        },
        params.calls,
    )
    ceiling_median, ceiling_p99 = _ms(timed.pop("ceiling")[0])
    out = []
    for name, (samples, rows) in timed.items():
        median, p99 = _ms(samples)
        out.append(
            Latency(
                backend.name, name, len(samples), rows, median, p99, ceiling_median, ceiling_p99
            )
        )
    return out


# ------------------------------------------------------------------------ runs
def _settle(raw: _Raw, backend: str) -> None:
    """Do now what the database would do soon after a load this size, so it does not run
    in the background while queries are timed: PostgreSQL's autovacuum (VACUUM ANALYZE)
    and a checkpoint; SQLite's WAL checkpoint."""
    if backend == "sqlite":
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    raw.execute("VACUUM (ANALYZE)")
    # CHECKPOINT needs a superuser or pg_checkpoint; without it the timings are only noisier.
    with suppress(psycopg.Error):
        raw.execute("CHECKPOINT")


def _loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return -1.0


def _bench_backend(
    backend: _Backend, params: BenchParams, log: Callable[[str], None]
) -> BackendRun:
    run = BackendRun(backend.name)
    rng = random.Random(params.seed)
    tag = f"bench:{os.getpid()}:{rng.getrandbits(32):08x}"
    started = time.perf_counter()
    log(f"{backend.name}: migrating and seeding the bundled dataset")
    init_database(Settings(database_url=backend.url, data_dir=ROOT / "data"))
    run.seed_seconds = time.perf_counter() - started
    db = Database(backend.url)
    raw = backend.connect()
    try:
        raw.execute("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
        raw.load(
            "INSERT INTO bench_counter (id, n) VALUES (?, 0)",
            [(i,) for i in range(1, params.writers + 1)],
        )
        pairs = _posting_pairs(raw)
        run.statements_per_movement = _statements_per_movement(db, pairs, tag)
        run.throughput = _throughput(backend, db, pairs, params, tag, log)
        if params.import_rows:
            run.imports = measure_import(
                backend.name,
                db,
                raw,
                rows=params.import_rows,
                repeats=params.repeats,
                rng=rng,
                tag=f"{rng.getrandbits(24):06x}",
                log=log,
            )

        log(f"{backend.name}: loading {params.movements:,} movements")
        run.load = _bulk_load(raw, params, rng, dt.datetime.now(dt.UTC))
        _settle(raw, backend.name)
        log(
            f"{backend.name}: loaded in {run.load.seconds:.1f} s "
            f"({run.load.movements_total:,} movements); checking the books"
        )
        run.check_method, run.check_problems = _check_books(
            db, raw, run.load.movements_total, params.full_check_limit
        )
        log(f"{backend.name}: timing stock queries")
        run.latency = _latency(backend, db, raw, params, rng)
    finally:
        raw.close()
        db.dispose()
    return run


@dataclass
class Report:
    machine: dict[str, str]
    params: BenchParams
    runs: list[BackendRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: 1-minute load average just before the run (work of others) and at its end.
    load_before: float = 0.0
    load_after: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        runs = []
        for run in self.runs:
            data = asdict(run)
            data["throughput"] = [
                {
                    **asdict(t),
                    "ours_median": t.ours_median,
                    "ceiling_median": t.ceiling_median,
                    "ratio": t.ratio,
                }
                for t in run.throughput
            ]
            data["latency"] = [{**asdict(lat), "ratio": lat.ratio} for lat in run.latency]
            if run.imports is not None:
                data["imports"] = {
                    **asdict(run.imports),
                    "ours_median": run.imports.ours_median,
                    "ceiling_median": run.imports.ceiling_median,
                    "ratio": run.imports.ratio,
                }
            runs.append(data)
        return {
            "machine": self.machine,
            "params": asdict(self.params),
            "runs": runs,
            "notes": self.notes,
            "seconds": self.seconds,
            "load_before": self.load_before,
            "load_after": self.load_after,
        }


def run_bench(params: BenchParams, log: Callable[[str], None]) -> Report:
    started = time.perf_counter()
    pg_info, pg_problem = (None, None)
    if "postgres" in params.backends:
        pg_info, pg_problem = _probe_postgres(params.postgres_url)
    report = Report(_machine(pg_info, pg_problem), params, load_before=_loadavg())
    for name in params.backends:
        if name == "postgres" and pg_info is None:
            message = f"PostgreSQL not reachable at {params.postgres_url}: {pg_problem}; skipped"
            log(message)
            report.notes.append(message)
            continue
        opener = _sqlite_backend() if name == "sqlite" else _postgres_backend(params.postgres_url)
        try:
            with opener as backend:
                report.runs.append(_bench_backend(backend, params, log))
        except (psycopg.Error, OperationalError) as exc:
            message = f"{name}: failed ({type(exc).__name__}: {str(exc).splitlines()[0]})"
            log(message)
            report.notes.append(message)
    report.seconds = time.perf_counter() - started
    report.load_after = _loadavg()
    return report


# ---------------------------------------------------------------------- output
def render(report: Report, console: Console) -> None:
    m, p = report.machine, report.params
    console.print("chemdepot ledger benchmark")
    console.print(f"machine     nproc {m['nproc']}, {m['cpu']}, {m['platform']}")
    console.print(
        f"python      {m['python']}  (SQLAlchemy {m['sqlalchemy']}, psycopg {m['psycopg']})"
    )
    console.print(f"sqlite      {m['sqlite']}")
    console.print(f"postgresql  {m['postgresql']}")
    console.print(
        f"load        1-min load average {report.load_before:.2f} before the run "
        f"(other work on the {m['nproc']} CPUs), {report.load_after:.2f} at its end"
    )
    console.print(
        f"run         {p.seconds:g} s per throughput run x {p.repeats} repeat(s), "
        f"{p.writers} writers, {p.movements:,} movements loaded, {p.calls:,} calls per query"
    )
    console.print()

    posting = Table(
        title="Movements posted per second: api.services.post_movement (one transaction each)\n"
        "ceiling = UPDATE bench_counter SET n = n + 1 WHERE id = ? committed, raw driver",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for column in ("backend", "writers", "target", "movements/s", "ceiling/s", "ours/ceiling"):
        posting.add_column(
            column, justify="right" if "/" in column or column == "writers" else "left"
        )
    posting.add_column("errors", justify="right")
    for run in report.runs:
        for t in run.throughput:
            errors = f"{t.errors}/{t.ceiling_errors}" if t.errors or t.ceiling_errors else "0"
            posting.add_row(
                run.backend,
                str(t.writers),
                _VARIANTS[t.variant],
                f"{t.ours_median:,.0f}",
                f"{t.ceiling_median:,.0f}",
                f"{t.ratio:.3f}",
                errors,
            )
    console.print(posting)
    for run in report.runs:
        console.print(
            f"  {run.backend}: {run.statements_per_movement:.1f} SQL statements per movement "
            f"(plus BEGIN{' IMMEDIATE' if run.backend == 'sqlite' else ''} and COMMIT); "
            f"medians of {p.repeats} run(s)"
        )
        for t in run.throughput:
            if t.first_error:
                console.print(f"  {run.backend} {t.variant}: first error: {t.first_error}")
    console.print()
    _render_imports(report, console)

    reads = Table(
        title=f"Stock queries with {p.movements:,} movements loaded (fresh read session per call)"
        "\nceiling = SELECT on_hand, reserved FROM balances WHERE location_id = ? AND lot_id = ?, "
        "raw driver",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    reads.add_column("backend")
    reads.add_column("query")
    for column in ("rows", "median ms", "p99 ms", "ceiling median", "ceiling p99", "ours/ceiling"):
        reads.add_column(column, justify="right")
    for run in report.runs:
        for lat in run.latency:
            reads.add_row(
                run.backend,
                lat.query,
                f"{lat.rows_per_call:.1f}",
                f"{lat.median_ms:.3f}",
                f"{lat.p99_ms:.3f}",
                f"{lat.ceiling_median_ms:.3f}",
                f"{lat.ceiling_p99_ms:.3f}",
                f"{lat.ratio:.0f}x",
            )
    console.print(reads)
    for run in report.runs:
        if run.load is not None:
            verdict = (
                "ok" if not run.check_problems else "FAILED: " + "; ".join(run.check_problems[:5])
            )
            console.print(
                f"  {run.backend}: {run.load.movements_total:,} movements, {run.load.lots:,} lots, "
                f"{run.load.balances:,} balance rows; loaded in {run.load.seconds:.1f} s; "
                f"{run.check_method}: {verdict}"
            )
    for note in report.notes:
        console.print(f"  note: {note}")
    console.print(f"  total {report.seconds:.0f} s")


def _render_imports(report: Report, console: Console) -> None:
    runs = [run for run in report.runs if run.imports is not None]
    if not runs:
        return
    table = Table(
        title="Import of a receipts file: api.tabular.import_receipts (one transaction)\n"
        "ceiling = the same number of ledger lines written by the raw driver "
        "(executemany, one transaction)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("backend")
    for column in ("rows", "seconds", "rows/s", "ceiling s", "ours/ceiling", "target < 10 s"):
        table.add_column(column, justify="right")
    for run in runs:
        figures = run.imports
        assert figures is not None
        table.add_row(
            run.backend,
            f"{figures.rows:,}",
            f"{figures.ours_median:.2f}",
            f"{figures.rows / figures.ours_median:,.0f}",
            f"{figures.ceiling_median:.3f}",
            f"{figures.ratio:.0f}x",
            "met" if figures.ours_median < 10 else "not met",
        )
    console.print(table)
    console.print(
        f"  medians of {report.params.repeats} import(s) each; every row posted "
        f"({', '.join(f'{r.backend} {r.imports.movements_posted:,}' for r in runs if r.imports)}"
        " movements)"
    )
    console.print()


def _params_from_args(argv: Sequence[str] | None) -> tuple[BenchParams, Path | None]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger",
        description="Ledger posting throughput and stock-query latency on SQLite and "
        "PostgreSQL, against bare-driver ceilings measured in the same run.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="100,000 movements, 2 s per throughput run, 2 repeats, 500 calls per query",
    )
    parser.add_argument("--movements", type=int, help="movements to bulk-load (default 1,000,000)")
    parser.add_argument("--seconds", type=float, help="wall seconds per throughput run (default 5)")
    parser.add_argument("--repeats", type=int, help="runs per throughput measurement (default 3)")
    parser.add_argument("--calls", type=int, help="timed calls per query (default 2000)")
    parser.add_argument("--writers", type=int, default=16, help="concurrent writers (default 16)")
    parser.add_argument("--lots", type=int, default=5000, help="extra lots for the load")
    parser.add_argument(
        "--import-rows", type=int, default=20_000, help="rows of the imported file (0: none)"
    )
    parser.add_argument("--backend", choices=["both", *BACKENDS], default="both")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CHEMDEPOT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="admin URL; the benchmark creates and drops chemdepot_bench_<pid> there",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    quick = bool(args.quick)

    def pick(value: Any, full: Any, short: Any) -> Any:
        return value if value is not None else (short if quick else full)

    params = BenchParams(
        movements=pick(args.movements, 1_000_000, 100_000),
        seconds=pick(args.seconds, 5.0, 2.0),
        repeats=pick(args.repeats, 3, 2),
        calls=pick(args.calls, 2000, 500),
        writers=args.writers,
        extra_lots=args.lots,
        import_rows=args.import_rows,
        backends=BACKENDS if args.backend == "both" else (args.backend,),
        postgres_url=args.postgres_url,
    )
    return params, args.json


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(
        "bench.ledger",
        lambda: _params_from_args(argv),
        run_bench,
        render,
        lambda report: not any(run.check_problems for run in report.runs),
    )


if __name__ == "__main__":
    sys.exit(main())
