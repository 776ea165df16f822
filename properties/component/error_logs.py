"""30 (component): every error response is logged exactly once, at its level, complete.

Hypothesis sends sequences of requests (each with its own ``X-Request-ID``) to the app
the configured :class:`ErrorLoggingApp` builds: 401, 404, 405, 409, 422 and an
exception (500), mixed with successes. The JSON lines written while a request ran are
that request's records: an error response must leave exactly one record at warning or
above (``error`` for 5xx, ``warning`` for 4xx) carrying the request's
``correlation_id``, ``route``, ``status`` and ``error_type``.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from gauntlet.components.protocols import ErrorLoggingApp
from properties.component.logging import isolated_logging

#: Levels that mark a record as the report of an error response.
ERROR_LEVELS = ("warning", "error", "critical")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    expected_status: int
    body: Any = None


probes = st.one_of(
    st.integers(0, 10**6).map(lambda n: Probe("GET", f"/items/{n}", 200)),
    st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(lambda s: Probe("GET", f"/items/{s}", 422)),
    st.just(Probe("POST", "/items", 422, {})),
    st.just(Probe("POST", "/items", 409, {"name": "taken"})),
    st.just(Probe("GET", "/private", 401)),
    st.just(Probe("GET", "/boom", 500)),
    st.integers(0, 99).map(lambda n: Probe("DELETE", f"/items/{n}", 405)),
    st.from_regex(r"[a-z]{1,10}", fullmatch=True).map(lambda s: Probe("GET", f"/nowhere/{s}", 404)),
)


def expected_level(status: int) -> str:
    return "error" if status >= 500 else "warning"


def check_error_records(records: Sequence[Mapping[str, Any]], *, request_id: str, status: int, what: str) -> None:
    """The records of one request (already selected) report its error response once."""
    reports = [r for r in records if str(r.get("level", "")).lower() in ERROR_LEVELS]
    if status < 400:
        return
    assert reports, f"{what} answered {status} and left no record at warning or above: {list(records)}"
    assert len(reports) == 1, f"{what} answered {status} and left {len(reports)} error records: {reports}"
    [report] = reports
    level = str(report.get("level", "")).lower()
    assert level == expected_level(status), f"{what} answered {status}; logged at {level!r}: {report}"
    assert report.get("correlation_id") == request_id, (
        f"{what}: its error record has correlation_id {report.get('correlation_id')!r}, not {request_id!r}"
    )
    assert report.get("status") == status, f"{what} answered {status}; its record says {report.get('status')!r}"
    assert report.get("route"), f"{what}: its error record has no route: {report}"
    assert report.get("error_type"), f"{what}: its error record has no error_type: {report}"


async def _send_all(app: Any, batch: Sequence[Probe], stream: io.StringIO) -> list[tuple[Probe, str, int, str]]:
    """Each probe's request id, status and the log text written while it ran."""
    results = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gauntlet.test") as client:
        for probe in batch:
            request_id = f"g30-{uuid.uuid4().hex}"
            start = len(stream.getvalue())
            response = await client.request(
                probe.method, probe.path, json=probe.body, headers={"X-Request-ID": request_id}
            )
            results.append((probe, request_id, response.status_code, stream.getvalue()[start:]))
    return results


def check_error_logging(component: ErrorLoggingApp) -> None:
    """30: one complete record per error response, at error for 5xx and warning for 4xx."""

    @given(batch=st.lists(probes, min_size=1, max_size=6))
    def every_error_response_is_logged_once(batch: list[Probe]) -> None:
        stream = io.StringIO()
        with isolated_logging():
            app = component.build(stream=stream)
            results = asyncio.run(_send_all(app, batch, stream))
        for probe, request_id, status, text in results:
            what = f"{probe.method} {probe.path}"
            assert status == probe.expected_status, f"{what} answered {status}, expected {probe.expected_status}"
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
            check_error_records(records, request_id=request_id, status=status, what=what)

    every_error_response_is_logged_once()
