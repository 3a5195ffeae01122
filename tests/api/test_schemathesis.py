"""Schemathesis against the app's own OpenAPI document, in process, on a fresh seeded
SQLite copy: every check and phase, a fixed number of cases per operation and a fixed
seed, so a failure is the same failure on the next run.

No operation is skipped: `POST /stock-levels/runs` and `POST /procurement/runs` start real
solver jobs in the app's
worker process, which the test stops when the run ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from tests.api.api_support import Api

#: Cases per operation in the fuzzing phase (the coverage phase adds its own boundary
#: cases); measured so the whole test stays near a minute on a loaded 2-core machine.
CASES_PER_OPERATION = 5
#: Methods no route takes, sent to every path: 405 with `Allow` is one code path for any
#: method, so three do (OPTIONS also checks `Allow` against the document).
UNSUPPORTED_METHODS = ["options", "patch", "trace"]
#: Longest chain of linked requests (create an incident, plan it, confirm the plan...).
STATEFUL_STEPS = 4
SEED = 11_2026
#: What a schema-valid upload may get: schemathesis's default for valid data, plus
#: the refusals of a file's content.
UPLOAD_OK = ["2xx", "3xx", "401", "403", "404", "409", "413", "415", "422", "429", "5xx"]
#: Operations whose bodies obey rules across fields or places that JSON Schema cannot
#: state, each a 422 naming the field: a transfer to the depot it leaves; depots given for a
#: role other than depot_manager; an incident placed outside Vietnam's land and sea; a
#: transfer listing's direction without the depot it is relative to; a procurement what-if
#: naming a year outside its horizon or an unknown source; a comparison of runs that have
#: not finished (409).
CROSS_FIELD_RULES = (
    "/movements",
    "/users",
    "/incidents",
    "/transfers",
    "/procurement/runs",
    "/procurement/compare",
)
RULES_OK = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]


@dataclass(frozen=True)
class Finding:
    """One distinct failure: which check, on which operation, with one example."""

    check: str
    operation: str
    title: str
    message: str
    example: str

    def line(self) -> str:
        return (
            f"{self.operation}: {self.check} — {self.title}\n    {self.message}\n    {self.example}"
        )


def fuzz_config(token: str) -> SchemathesisConfig:
    """Every check and phase, derandomized, bounded per operation. The token is given as
    the document's bearer scheme, so the auth checks can send requests without it or with
    a broken one (and expect a 401)."""
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"HTTPBearer": {"bearer": token}}},
            "workers": 1,
            "generation": {"max-examples": CASES_PER_OPERATION, "deterministic": True},
            "checks": {"enabled": True},
            "phases": {
                "enabled": True,
                "coverage": {"unexpected-methods": UNSUPPORTED_METHODS},
                "stateful": {"max-steps": STATEFUL_STEPS},
            },
            "operations": [
                {
                    # what is inside a file is not in the schema: a schema-valid upload
                    # may be unreadable (415), empty or wrong (422) or too long (413)
                    "include-path": "/movements/import",
                    "checks": {"positive_data_acceptance": {"expected-statuses": UPLOAD_OK}},
                },
                *(
                    {
                        "include-path": path,
                        "include-method": "POST",
                        "checks": {"positive_data_acceptance": {"expected-statuses": RULES_OK}},
                    }
                    for path in CROSS_FIELD_RULES
                ),
            ],
        }
    )


def client_token(api: Api) -> str:
    """The bearer token the test client sends (an admin's)."""
    scheme, _, token = api.client.headers["Authorization"].partition(" ")
    assert scheme == "Bearer" and token
    return token


def findings(stream: Iterator[events.EngineEvent]) -> list[Finding]:
    """Distinct failures of a run (by check, operation and title), errors included."""
    found: dict[tuple[str, str, str], Finding] = {}
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status != Status.FAILURE or check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    operation = failure.operation or event.recorder.label
                    example = _example(event.recorder.cases[case_id].value)
                    key = (check.name, operation, failure.title)
                    message = " | ".join(failure.message.splitlines()[:2])
                    found.setdefault(
                        key, Finding(check.name, operation, failure.title, message, example)
                    )
        elif isinstance(event, events.NonFatalError):
            key = ("error", event.label, type(event.value).__name__)
            found.setdefault(
                key, Finding("error", event.label, type(event.value).__name__, str(event.value), "")
            )
        elif isinstance(event, events.FatalError):
            raise event.exception
    return sorted(found.values(), key=lambda f: (f.operation, f.check, f.title))


def _example(case: Any) -> str:
    body = "" if not isinstance(case.body, dict | list | str | bytes) else f" body={case.body!r}"
    body = body[:200]
    query = f" query={case.query}" if case.query else ""
    return f"{case.method} {case.formatted_path}{query}{body}"


def stop_jobs(app: FastAPI) -> None:
    """Stop the solver workers a fuzzed `POST /stock-levels/runs` may have started:
    schemathesis keeps the app's lifespan open for the rest of the session."""
    app.state.jobs.shutdown(wait=False)


def test_every_answer_is_documented_and_matches_the_openapi_document(api: Api) -> None:
    app = api.client.app
    assert isinstance(app, FastAPI)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=fuzz_config(client_token(api))
    )
    started = time.monotonic()
    try:
        found = findings(schemathesis.engine.from_schema(schema).execute())
    finally:
        stop_jobs(app)
    elapsed = time.monotonic() - started
    print(f"schemathesis: {elapsed:.0f} s, {len(found)} distinct failure(s)")
    for f in found:
        print(f.line())
    assert not found, "\n".join(f.line() for f in found)
