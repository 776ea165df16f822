"""Values a generator cannot make right: server-issued cursors and client idempotency keys.

A generated ``cursor`` is never one the server issued, so refusing it (400) is correct;
a generated ``Idempotency-Key`` repeats across requests, and the second body under one key
is a 422 by design. Neither may be reported as a contract failure, and neither exemption
may hide anything else.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from types import SimpleNamespace
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from requests.structures import CaseInsensitiveDict

from contract.checks import fresh_idempotency_keys
from contract.inprocess import CrashesAsServerErrors
from contract.run import Source, run_contract
from contract.settings import RunSettings

ISSUED = "issued-by-the-server"


def cursor_app() -> FastAPI:
    app = FastAPI(title="cursor app", version="1")
    refused = {"description": "The cursor was not issued by this server.", "content": {"application/json": {}}}

    @app.get("/items", responses={400: refused})
    async def list_items(cursor: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, list[int]]:
        if cursor is not None and cursor != ISSUED:
            return JSONResponse({"detail": "invalid cursor"}, status_code=400)  # type: ignore[return-value]
        return {"items": [1, 2]}

    return app


def positive_failures(settings: RunSettings) -> list[str]:
    report = run_contract(Source.in_process(CrashesAsServerErrors(cursor_app())), settings)  # type: ignore[arg-type]
    return [f.operation for f in report.failures if f.check == "positive_data_acceptance"]


FAST = RunSettings(seed=1, max_examples=10, phases=("examples", "coverage", "fuzzing"))


def test_a_refused_generated_cursor_is_not_a_contract_failure():
    assert positive_failures(FAST) == []


def test_without_the_exemption_the_same_run_reports_it():
    # Proves the test above could fail: the refusal is there to be seen.

    assert set(positive_failures(replace(FAST, opaque_parameters=()))) == {"GET /items"}


def case_with(headers: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(headers=CaseInsensitiveDict(headers))


def test_each_call_gets_its_own_valid_idempotency_key():
    # Cases carry a requests CaseInsensitiveDict, which is not a dict.
    first, second = case_with({"Idempotency-Key": "0"}), case_with({"idempotency-key": "0"})
    fresh_idempotency_keys(None, first, {})
    fresh_idempotency_keys(None, second, {})
    keys = {first.headers["Idempotency-Key"], second.headers["Idempotency-Key"]}
    assert len(keys) == 2 and "0" not in keys
    assert all(uuid.UUID(hex=key) for key in keys)


def test_an_invalid_key_is_left_for_negative_testing():
    too_long = case_with({"Idempotency-Key": "k" * 256})
    control = case_with({"Idempotency-Key": "a\x01b"})
    for case in (too_long, control):
        before = dict(case.headers)
        fresh_idempotency_keys(None, case, {})
        assert dict(case.headers) == before


def test_headers_passed_to_the_call_are_freshened_too():
    case = case_with({})
    kwargs = {"headers": {"Idempotency-Key": "0"}}
    fresh_idempotency_keys(None, case, kwargs)
    assert kwargs["headers"]["Idempotency-Key"] != "0"
