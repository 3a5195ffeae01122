"""The real server process, started the way `make run` starts it, on a fresh database."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bench.http_server import ServerProcess, free_port


@dataclass(frozen=True)
class Server:
    base: str
    token_file: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    db = tmp_path_factory.mktemp("e2e") / "fresh.db"
    env = {
        "CHEMDEPOT_DATABASE_URL": f"sqlite:///{db}",
        "CHEMDEPOT_PORT": str(port),
        "CHEMDEPOT_HOST": "127.0.0.1",
    }
    cli = Path(sys.executable).parent / "chemdepot"
    process = ServerProcess.start([str(cli), "serve"], port=port, env=env)
    try:
        yield Server(process.base_url, db.with_suffix(".admin-token"))
    finally:
        process.stop()


@pytest.fixture(scope="module")
def server(served: Server) -> Iterator[httpx.Client]:
    """A client of the real server with the first admin's token, read from its file."""
    token = served.token_file.read_text().strip()
    with httpx.Client(base_url=served.base, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def test_a_fresh_server_keeps_its_first_admin_token_in_a_private_file(served: Server) -> None:
    assert stat.S_IMODE(served.token_file.stat().st_mode) == 0o600
    assert httpx.get(f"{served.base}/health").status_code == 200
    refused = httpx.get(f"{served.base}/depots")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_fresh_server_seeds_itself_and_lists_a_depots_stock(server: httpx.Client) -> None:
    depots = server.get("/depots").json()
    assert len(depots) >= 10
    code = depots[0]["code"]
    page = server.get("/stock", params={"depot": code}).json()
    assert page["total"] > 0
    assert all(row["depot"] == code for row in page["items"])


def test_the_docs_are_served_without_a_token(served: Server) -> None:
    assert httpx.get(f"{served.base}/docs").status_code == 200
    assert "/movements" in httpx.get(f"{served.base}/openapi.json").json()["paths"]


def test_a_receipt_over_http_is_posted_once_even_when_retried(server: httpx.Client) -> None:
    items = {i["code"]: i for i in server.get("/items").json()}
    depot = server.get("/depots").json()[0]
    item = next(
        i
        for i in items.values()
        if i["tracking"] == "none" and i["storage_class"] in depot["storage_classes"]
    )
    before = server.get(f"/stock/{depot['code']}/{item['code']}").json()["on_hand"]
    body = {"type": "receipt", "depot": depot["code"], "item": item["code"], "quantity": 3}
    headers = {"Idempotency-Key": "e2e-receipt-0001"}
    first = server.post("/movements", json=body, headers=headers)
    second = server.post("/movements", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    after = server.get(f"/stock/{depot['code']}/{item['code']}").json()["on_hand"]
    assert after == before + 3


def test_bad_input_gets_problem_json_and_no_stack_trace(server: httpx.Client) -> None:
    resp = server.post(
        "/movements",
        content=b"{not json",
        headers={"Idempotency-Key": "e2e-bad-00001", "Content-Type": "application/json"},
    )
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in resp.text
