"""The real server process, started the way `make run` starts it, on a fresh database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    db = tmp_path_factory.mktemp("e2e") / "fresh.db"
    env = {
        **os.environ,
        "CHEMDEPOT_DATABASE_URL": f"sqlite:///{db}",
        "CHEMDEPOT_PORT": str(port),
        "CHEMDEPOT_HOST": "127.0.0.1",
    }
    cli = Path(sys.executable).parent / "chemdepot"
    proc = subprocess.Popen(
        [str(cli), "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise AssertionError("server did not answer within 120 s")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_fresh_server_seeds_itself_and_lists_a_depots_stock(server: str) -> None:
    depots = httpx.get(f"{server}/depots").json()
    assert len(depots) >= 10
    code = depots[0]["code"]
    page = httpx.get(f"{server}/stock", params={"depot": code}).json()
    assert page["total"] > 0
    assert all(row["depot"] == code for row in page["items"])


def test_the_docs_are_served(server: str) -> None:
    assert httpx.get(f"{server}/docs").status_code == 200
    assert "/movements" in httpx.get(f"{server}/openapi.json").json()["paths"]


def test_a_receipt_over_http_is_posted_once_even_when_retried(server: str) -> None:
    items = {i["code"]: i for i in httpx.get(f"{server}/items").json()}
    depot = httpx.get(f"{server}/depots").json()[0]
    item = next(
        i
        for i in items.values()
        if i["tracking"] == "none" and i["storage_class"] in depot["storage_classes"]
    )
    before = httpx.get(f"{server}/stock/{depot['code']}/{item['code']}").json()["on_hand"]
    body = {"type": "receipt", "depot": depot["code"], "item": item["code"], "quantity": 3}
    headers = {"Idempotency-Key": "e2e-receipt-0001"}
    first = httpx.post(f"{server}/movements", json=body, headers=headers)
    second = httpx.post(f"{server}/movements", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    after = httpx.get(f"{server}/stock/{depot['code']}/{item['code']}").json()["on_hand"]
    assert after == before + 3


def test_bad_input_gets_problem_json_and_no_stack_trace(server: str) -> None:
    resp = httpx.post(
        f"{server}/movements",
        content=b"{not json",
        headers={"Idempotency-Key": "e2e-bad-00001", "Content-Type": "application/json"},
    )
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in resp.text
