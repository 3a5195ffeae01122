"""Helpers for the HTTP API tests: a thin client wrapper, problem+json checks, upload
builders and facts about the seeded dataset read through the API itself (so tests pick
their lots, serials and depots from whatever `data/` holds, not from hard-coded codes)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
#: A future date every new lot can use as its expiry (no seeded lot expires that late).
FAR_EXPIRY = dt.date.today() + dt.timedelta(days=3 * 365)


def new_key() -> str:
    """A fresh client-generated Idempotency-Key."""
    return f"test-{uuid.uuid4().hex}"


def new_lot_no() -> str:
    return f"T-{uuid.uuid4().hex[:12].upper()}"


def assert_problem(
    response: httpx.Response, status: int, field: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status`; if `field` is given, the
    problem names it (as sent: `quantity`, `body.quantity`, `header.Idempotency-Key`)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["type"]
    assert body["instance"] == response.request.url.path
    if field is not None:
        named = body.get("field")
        assert named in {field, f"body.{field}", f"query.{field}", f"header.{field}"}, body
    return body


@dataclass(frozen=True)
class Snapshot:
    """What a depot x item looks like through the API: detail plus the whole stock card."""

    detail: dict[str, Any]
    card: list[dict[str, Any]]


class Api:
    """The TestClient with the few calls every test needs, each checking its status."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def as_user(self, name: str, role: str = "admin", depots: Sequence[str] = ()) -> Api:
        """The same app acting as user `name` (made through the API, as an admin would,
        with `role` and `depots` if it is new)."""
        made = self.client.post("/users", json={"name": name, "role": role, "depots": depots})
        assert made.status_code in (201, 409), made.text
        issued = self.client.post(f"/users/{name}/tokens")
        assert issued.status_code == 201, issued.text
        token = issued.json()["token"]
        return Api(TestClient(self.client.app, headers={"Authorization": f"Bearer {token}"}))

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every row of a paged listing, 1000 at a time."""
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.get(path, **params, limit=1000, offset=offset)
            rows.extend(page["items"])
            offset += 1000
            if offset >= page["total"]:
                return rows

    def stock_lots(self, **filters: Any) -> list[dict[str, Any]]:
        return self.pages("/stock", group_by="lot", **filters)

    def detail(self, depot: str, item: str) -> dict[str, Any]:
        detail: dict[str, Any] = self.get(f"/stock/{depot}/{item}")
        return detail

    def on_hand(self, depot: str, item: str, lot_no: str | None = None) -> int:
        """On hand of the depot x item, or of one lot of it."""
        detail = self.detail(depot, item)
        if lot_no is None:
            return int(detail["on_hand"])
        return sum(int(lot["on_hand"]) for lot in detail["lots"] if lot["lot_no"] == lot_no)

    def card(self, depot: str, item: str, lot: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"depot": depot, "item": item}
        if lot is not None:
            params["lot"] = lot
        return self.pages("/movements", **params)

    def snapshot(self, depot: str, item: str) -> Snapshot:
        return Snapshot(self.detail(depot, item), self.card(depot, item))

    def post_movement(self, body: Any, *, key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or new_key()}
        return self.client.post("/movements", json=body, headers=headers)

    def posted(self, body: dict[str, Any], *, key: str | None = None) -> dict[str, Any]:
        """Post a movement that must succeed; returns the 201 body."""
        response = self.post_movement(body, key=key)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        assert result["replayed"] is False
        return result

    def import_file(
        self, content: bytes, filename: str, *, key: str | None = None
    ) -> httpx.Response:
        return self.client.post(
            "/movements/import",
            files={"file": (filename, content, "application/octet-stream")},
            headers={"Idempotency-Key": key or new_key()},
        )

    def import_table(
        self,
        fmt: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        key: str | None = None,
    ) -> httpx.Response:
        """Upload `rows` under `columns` as a CSV or XLSX file."""
        filename, content = table_file(fmt, columns, rows)
        return self.import_file(content, filename, key=key)


# ------------------------------------------------------------------ uploads
def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode()


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_file(
    fmt: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[str, bytes]:
    """(filename, content) of an upload in `fmt` ("csv" or "xlsx")."""
    if fmt == "csv":
        return "receipts.csv", csv_bytes(columns, rows)
    return "receipts.xlsx", xlsx_bytes(columns, rows)


# ---------------------------------------------------------- seeded dataset
@dataclass(frozen=True)
class Facts:
    """The seeded dataset as the API shows it, read once per test session."""

    items: dict[str, dict[str, Any]]
    depots: dict[str, dict[str, Any]]
    lots: list[dict[str, Any]]

    @classmethod
    def read(cls, api: Api) -> Facts:
        return cls(
            items={i["code"]: i for i in api.get("/items")},
            depots={d["code"]: d for d in api.get("/depots")},
            lots=api.stock_lots(),
        )

    def tracking(self, item: str) -> str:
        return str(self.items[item]["tracking"])

    def accepts(self, depot: str, item: str) -> bool:
        return self.items[item]["storage_class"] in self.depots[depot]["storage_classes"]

    def lots_of(self, depot: str, item: str) -> list[dict[str, Any]]:
        return [r for r in self.lots if r["depot"] == depot and r["item"] == item]

    def lot(self, *, tracking: str, status: str = "usable", min_on_hand: int = 1) -> dict[str, Any]:
        """The first lot row (GET /stock?group_by=lot order) of an item tracked by
        `tracking` whose status is `status` and that holds at least `min_on_hand`."""
        for row in self.lots:
            if (
                self.tracking(row["item"]) == tracking
                and row["status"] == status
                and row["on_hand"] >= min_on_hand
                and row["reserved"] == 0
            ):
                return row
        raise LookupError(f"no {status} {tracking}-tracked lot with {min_on_hand} on hand")

    def item_with(self, tracking: str, *, shelf_life: bool | None = None) -> dict[str, Any]:
        for item in self.items.values():
            has_shelf_life = item["shelf_life_days"] is not None
            if item["tracking"] == tracking and shelf_life in (None, has_shelf_life):
                return item
        raise LookupError(f"no {tracking}-tracked item")

    def receiving_depot(self, item: str) -> str:
        """A depot whose storage classes take `item`."""
        return next(code for code in self.depots if self.accepts(code, item))

    def other_depot(self, item: str, not_depot: str) -> str:
        """Another depot that takes `item` (a transfer destination)."""
        return next(code for code in self.depots if code != not_depot and self.accepts(code, item))

    def storage_mismatch(self) -> tuple[dict[str, Any], str]:
        """A usable lot-tracked lot and a depot that has no storage for its item."""
        for row in self.lots:
            if row["status"] != "usable" or self.tracking(row["item"]) != "lot":
                continue
            for code in self.depots:
                if not self.accepts(code, row["item"]):
                    return row, code
        raise LookupError("every depot takes every item")

    def fefo_case(self) -> tuple[str, str]:
        """A depot x lot-tracked item with at least two usable lots of different expiry,
        preferring one that also holds an unusable (expired, quarantined...) lot."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in self.lots:
            if self.tracking(row["item"]) == "lot":
                groups[(row["depot"], row["item"])].append(row)
        candidates = [
            key
            for key, rows in groups.items()
            if len(usable := [r["expiry_date"] for r in rows if r["status"] == "usable"]) >= 2
            and len(set(usable)) == len(usable)
            and None not in usable
            and all(r["reserved"] == 0 for r in rows)
        ]
        with_unusable = [k for k in candidates if any(r["status"] != "usable" for r in groups[k])]
        return (with_unusable or candidates)[0]
