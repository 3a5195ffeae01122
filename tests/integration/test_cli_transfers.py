"""`chemdepot transfers` and `chemdepot card`: the same transfers and card lines as the API,
in tables that fit an 80-column terminal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.services import Database
from tests.auth_support import client_as

runner = CliRunner()

NOTE = "Kiểm kê quý IV: hai thùng bị móp méo, đã tách riêng chờ kiểm định chất lượng"


@pytest.fixture
def env(seeded_sqlite: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CHEMDEPOT_DATABASE_URL", seeded_sqlite.url)
    monkeypatch.setenv("COLUMNS", "80")
    return seeded_sqlite


def _post(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/movements", json=body, headers={"Idempotency-Key": f"cli-{uuid.uuid4().hex}"}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def shipped(env: Database) -> dict[str, Any]:
    """A transfer in transit between two depots that take its item, and a count with a
    long Vietnamese note at the sender."""
    client = client_as(env)
    lots = client.get("/stock", params={"group_by": "lot", "limit": 1000}).json()["items"]
    row = next(r for r in lots if r["lot_no"] and r["status"] == "usable" and r["on_hand"] >= 4)
    item = next(i for i in client.get("/items").json() if i["code"] == row["item"])
    target = next(
        d["code"]
        for d in client.get("/depots").json()
        if d["code"] != row["depot"] and item["storage_class"] in d["storage_classes"]
    )
    sent = _post(
        client,
        {
            "type": "transfer",
            "from_depot": row["depot"],
            "to_depot": target,
            "item": row["item"],
            "quantity": 1,
            "lot_no": row["lot_no"],
        },
    )
    _post(
        client,
        {
            "type": "count",
            "depot": row["depot"],
            "item": row["item"],
            "lot_no": row["lot_no"],
            "counted_quantity": row["on_hand"] - 2,
            "note": NOTE,
        },
    )
    return {"source": row["depot"], "target": target, "item": row["item"], **sent}


def _fits(output: str) -> list[str]:
    lines = output.splitlines()
    assert all(len(line) <= 80 for line in lines), output
    return lines


def test_transfers_lists_an_inbound_transfer_in_transit_within_80_columns(
    shipped: dict[str, Any],
) -> None:
    result = runner.invoke(
        app,
        ["transfers", "--depot", shipped["target"], "--direction", "inbound"],
        env={"COLUMNS": "80"},
    )

    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in _fits(result.output) if f" {shipped['transfer_id']} " in ln]
    assert shipped["source"] in line and shipped["target"] in line
    assert "in transit" in line
    assert "(1 rows)" in result.output


def test_the_card_says_when_it_shows_only_its_last_lines(shipped: dict[str, Any]) -> None:
    result = runner.invoke(
        app, ["card", shipped["source"], shipped["item"], "--limit", "2"], env={"COLUMNS": "80"}
    )

    assert result.exit_code == 0, result.output
    assert "last 2 of " in result.output and "rows: use --limit" in result.output
    assert "Kiểm kê quý IV" in result.output


def test_the_card_names_the_receiving_depot_and_shows_the_counts_note(
    shipped: dict[str, Any],
) -> None:
    result = runner.invoke(app, ["card", shipped["source"], shipped["item"]], env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    lines = _fits(result.output)
    assert any(f"to {shipped['target']} (in transit)" in ln for ln in lines), result.output
    assert any("Kiểm kê quý IV" in ln for ln in lines), result.output


def test_transfers_with_a_direction_and_no_depot_is_a_clear_error(env: Database) -> None:
    result = runner.invoke(app, ["transfers", "--direction", "inbound"])

    assert result.exit_code == 1
    assert "give depot" in result.output
