"""A real server process on a loopback port, for the HTTP benchmark and the end-to-end tests:
`chemdepot serve` started the way `make run` starts it, or any ASGI app under the same
uvicorn, so that a bare endpoint is served exactly alike. Every client made here carries
`auth_headers()`, the one place that says how a request proves who sends it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from api.accounts_service import token_for
from api.services import Database

ROOT = Path(__file__).resolve().parents[1]
#: How long a fresh process may take to answer /health (migrations, imports, a busy machine).
START_TIMEOUT_S = 180.0
#: the admin user the benchmark's and the end-to-end tests' clients act as
BENCH_USER = "bench-admin"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def auth_headers(database_url: str | None) -> dict[str, str]:
    """The headers every request to a server on `database_url` carries: a bearer token of
    an admin user made straight in that (migrated) database, as `chemdepot users add` and
    `chemdepot tokens issue` would. None: a server without accounts (the bare endpoint)."""
    if database_url is None:
        return {}
    db = Database(database_url)
    try:
        return {"Authorization": f"Bearer {token_for(db, BENCH_USER, 'admin')}"}
    finally:
        db.dispose()


@dataclass
class ServerProcess:
    """One server process; `kill()` is SIGKILL (no shutdown of any kind), `stop()` a
    polite SIGTERM. Its output goes to a log file, never to an unread pipe that could
    fill up and stall it under load."""

    command: list[str]
    env: dict[str, str]
    port: int
    headers: dict[str, str]
    proc: subprocess.Popen[bytes]
    log: IO[bytes] = field(repr=False)
    started_s: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        command: list[str],
        *,
        port: int,
        env: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float = START_TIMEOUT_S,
    ) -> ServerProcess:
        """Start `command` and return once GET /health answers 200."""
        full_env = {**os.environ, **(env or {})}
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=full_env, cwd=ROOT, stdout=log, stderr=log)
        server = cls(command, full_env, port, dict(headers or {}), proc, log)
        try:
            server._wait_healthy(timeout_s)
        except BaseException:
            server.kill()
            raise
        server.started_s = time.perf_counter() - began
        return server

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout_s:.0f} s:\n{self.output()}")

    def restart(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Start the process again (after a kill) with the same command, port and
        environment; this object then stands for the new process."""
        self.stop()
        fresh = ServerProcess.start(
            self.command, port=self.port, env=self.env, headers=self.headers, timeout_s=timeout_s
        )
        self.proc, self.log, self.started_s = fresh.proc, fresh.log, fresh.started_s

    def client(self, timeout_s: float = 60.0) -> httpx.Client:
        """A keep-alive client for this server; every request carries its headers."""
        return httpx.Client(base_url=self.base_url, headers=self.headers, timeout=timeout_s)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish, flush or roll back anything."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self, tail: int = 4000) -> str:
        """The end of what the process printed, for failure messages."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-tail:]


def start_chemdepot(database_url: str, *, port: int | None = None) -> ServerProcess:
    """`chemdepot serve` on `database_url` (migrated and seeded by the server if needed)."""
    port = port or free_port()
    env = {
        "CHEMDEPOT_DATABASE_URL": database_url,
        "CHEMDEPOT_HOST": "127.0.0.1",
        "CHEMDEPOT_PORT": str(port),
    }
    command = [str(Path(sys.executable).parent / "chemdepot"), "serve"]
    server = ServerProcess.start(command, port=port, env=env)
    # the server has migrated and seeded the database by now (/health answers)
    server.headers = auth_headers(database_url)
    return server


def start_asgi(
    app: str, *, port: int | None = None, env: dict[str, str] | None = None
) -> ServerProcess:
    """Any ASGI app (`module:attribute`) under uvicorn with the options `chemdepot serve`
    uses (one process, default loop and HTTP parser, access log at info)."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "info"]
    return ServerProcess.start(command, port=port, env=env, headers=auth_headers(None))
