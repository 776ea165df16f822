"""E5 (http), the half any target allows: health responses' media type and shape, liveness.

Health endpoints are found in the OpenAPI document (GET paths naming ``health`` with
``live`` / ``ready`` in them), else the conventional ``/health/live`` and ``/health/ready``.
Hypothesis varies the request around them (Accept header, credentials or none, a stray
query parameter); every answer must be ``application/health+json`` (the IETF health-check
response draft) with a JSON object whose ``status`` is ``pass``, ``warn`` or ``fail``, its
HTTP status agreeing (2xx for pass/warn, 5xx for fail), and liveness must be 200.

Whether readiness FAILS while a dependency is down needs control over the dependencies:
properties/http/outage.py, run only where the test started them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.target import HttpTarget

MEDIA_TYPE = "application/health+json"
STATUSES = ("pass", "warn", "fail")
DEFAULT_LIVE = "/health/live"
DEFAULT_READY = "/health/ready"

accepts = st.sampled_from([None, MEDIA_TYPE, "application/json", "*/*", "text/html", "application/xml"])
stray_queries = st.none() | st.dictionaries(st.sampled_from(["verbose", "full", "x"]), st.text(max_size=5), max_size=1)


@dataclass(frozen=True)
class HealthPaths:
    live: str
    ready: str


def health_paths(http: HttpTarget) -> HealthPaths:
    """The liveness and readiness paths the document declares (or the conventional ones)."""
    gets = [op.path for op in http.api.operations() if op.method == "GET" and "health" in op.path.lower()]
    live = next((p for p in gets if "live" in p.lower()), DEFAULT_LIVE)
    ready = next((p for p in gets if "ready" in p.lower()), DEFAULT_READY)
    return HealthPaths(live, ready)


def probe(http: HttpTarget, path: str, accept: str | None = None, **params: Any) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return http.call("GET", path, auth=False, headers=headers, params=params or None)


def health_status(response: httpx.Response, what: str) -> str:
    """The ``status`` of a well-formed health response; AssertionError naming what is wrong."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media_type == MEDIA_TYPE, f"{what} answered Content-Type {media_type!r}, expected {MEDIA_TYPE}"
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{what} answered a body that is not JSON: {response.text[:200]!r}") from None
    assert isinstance(body, dict), f"{what} answered {type(body).__name__}, expected a JSON object"
    status = body.get("status")
    assert status in STATUSES, f"{what} answered status {status!r}, expected one of {STATUSES}"
    agrees = 200 <= response.status_code < 400 if status != "fail" else response.status_code >= 500
    assert agrees, f"{what} answered HTTP {response.status_code} with status {status!r}"
    return str(status)


def check_health_responses(http: HttpTarget) -> HealthPaths:
    """E5: every health answer is health+json with a valid status; liveness is 200."""
    paths = health_paths(http)

    @over_http()
    @given(ready=st.booleans(), accept=accepts, credentials=st.booleans(), query=stray_queries)
    def health_answers_are_well_formed(ready: bool, accept: str | None, credentials: bool, query: Any) -> None:
        path = paths.ready if ready else paths.live
        headers = {"Accept": accept} if accept else {}
        response = http.call("GET", path, auth=credentials, headers=headers, params=query or None)
        what = f"GET {path} (Accept {accept!r}, credentials {credentials}, query {query!r})"
        status = health_status(response, what)
        if not ready:
            assert response.status_code == 200, f"liveness {what} answered {response.status_code} ({status})"

    health_answers_are_well_formed()
    return paths
