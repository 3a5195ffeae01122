"""The documented limits (README, "Limits"): each is answered with a 413 or 422 problem
naming it, and nothing is written. The body limit is tested on an app with a small one,
both when the client declares its length and when it streams the body without one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.dispatch_schemas import MAX_PLAN_TIME_LIMIT_S
from api.levels_service import MAX_SCENARIOS, MAX_TIME_LIMIT_S
from api.limits import MAX_OFFSET, MAX_PAGE_SIZE
from api.services import Database
from api.settings import Settings
from network import MAX_MATRIX_SIDE
from tests.api.api_support import Api, Facts, assert_problem, csv_bytes, new_key
from tests.api.test_input_hygiene import IMPORT_COLUMNS, books, import_row, new_lot_receipt
from tests.auth_support import client_as

SMALL_BODY = 4096
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def small(seeded_sqlite: Database) -> Api:
    """The API with a 4 KiB body limit and at most 3 import rows."""
    settings = Settings(
        database_url=seeded_sqlite.url, max_body_bytes=SMALL_BODY, max_import_rows=3
    )
    return Api(client_as(seeded_sqlite, app=create_app(settings, database=seeded_sqlite)))


def assert_too_large(response: Any) -> None:
    problem = assert_problem(response, 413, "max_body_bytes")
    assert str(SMALL_BODY) in problem["detail"]
    assert response.headers["connection"] == "close"


def test_a_body_declared_larger_than_the_limit_is_a_413_and_posts_nothing(
    small: Api, facts: Facts
) -> None:
    body = new_lot_receipt(facts, note="n" * 400) | {"reference": "r" * 100}
    content = json.dumps(body).encode() + b" " * SMALL_BODY
    before = books(small)

    response = small.client.post(
        "/movements",
        content=content,
        headers={"Idempotency-Key": new_key(), "Content-Type": "application/json"},
    )

    assert_too_large(response)
    assert books(small) == before


def test_a_streamed_body_past_the_limit_is_a_413_and_posts_nothing(
    small: Api, facts: Facts
) -> None:
    body = json.dumps(new_lot_receipt(facts)).encode() + b" " * SMALL_BODY

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    before = books(small)

    response = small.client.post(
        "/movements",
        content=chunks(),
        headers={"Idempotency-Key": new_key(), "Content-Type": "application/json"},
    )

    assert "content-length" not in response.request.headers
    assert_too_large(response)
    assert books(small) == before


def test_a_streamed_import_past_the_limit_is_a_413_and_posts_nothing(
    small: Api, facts: Facts
) -> None:
    rows = [import_row(facts, reference="r" * 100) for _ in range(40)]
    boundary = "hygiene-boundary"
    content = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_bytes(IMPORT_COLUMNS, rows)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert len(content) > SMALL_BODY
    before = books(small)

    response = small.client.post(
        "/movements/import",
        content=iter([content[:1000], content[1000:]]),
        headers={
            "Idempotency-Key": new_key(),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )

    assert_too_large(response)
    assert books(small) == before


def test_a_body_within_the_limit_is_posted(small: Api, facts: Facts) -> None:
    body = new_lot_receipt(facts)

    small.posted(body)

    assert small.on_hand(body["depot"], body["item"], body["lot_no"]) == body["quantity"]


def test_an_import_with_more_rows_than_the_limit_is_a_413_naming_the_file(
    small: Api, facts: Facts
) -> None:
    before = books(small)

    response = small.import_table("csv", IMPORT_COLUMNS, [import_row(facts) for _ in range(4)])

    problem = assert_problem(response, 413, "file")
    assert "3 rows" in problem["detail"]
    assert books(small) == before


@pytest.mark.parametrize("path", ["/stock", "/jobs", "/stock-policies", "/stock-levels/runs"])
def test_a_page_larger_than_the_limit_is_a_422_naming_limit(api: Api, path: str) -> None:
    response = api.client.get(path, params={"limit": MAX_PAGE_SIZE + 1})

    problem = assert_problem(response, 422, "limit")
    assert str(MAX_PAGE_SIZE) in problem["detail"]


def test_a_stock_levels_run_past_its_scenario_or_time_limit_is_a_422_naming_it(api: Api) -> None:
    jobs = api.get("/jobs")

    too_many = api.client.post(
        "/stock-levels/runs",
        json={"scenarios": MAX_SCENARIOS + 1},
        headers={"Idempotency-Key": new_key()},
    )
    too_long = api.client.post(
        "/stock-levels/runs",
        json={"time_limit_s": MAX_TIME_LIMIT_S + 1},
        headers={"Idempotency-Key": new_key()},
    )

    assert_problem(too_many, 422, "scenarios")
    assert_problem(too_long, 422, "time_limit_s")
    assert api.get("/jobs") == jobs


def _readme_limits() -> list[tuple[str, str]]:
    """The README's Limits table: (limit name, maximum as written), in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]+) \|", section, flags=re.MULTILINE)
    return [(name, value.strip()) for name, value in rows]


def test_the_readme_states_every_limit_as_the_code_enforces_it() -> None:
    settings = Settings()
    limits = _readme_limits()

    assert limits == [
        ("max_body_bytes", f"{settings.max_body_bytes:,} bytes"),
        ("limit", f"{MAX_PAGE_SIZE:,} rows"),
        ("offset", f"{MAX_OFFSET:,} rows"),
        ("sources", f"{MAX_MATRIX_SIDE:,} nodes"),
        ("targets", f"{MAX_MATRIX_SIDE:,} nodes"),
        ("scenarios", f"{MAX_SCENARIOS:,} scenarios"),
        ("time_limit_s", f"{MAX_TIME_LIMIT_S:g} s"),
        ("time_limit_s", f"{MAX_PLAN_TIME_LIMIT_S:g} s"),
        ("max_import_rows", f"{settings.max_import_rows:,} rows"),
    ]
