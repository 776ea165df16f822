"""26 over HTTP: once retries are exhausted, the API answers a classified Problem Details.

Upstream-dependent operations are discovered from the OpenAPI document: those that
document a 502 or 504 response (gateway statuses only make sense with an upstream).
Each is called with what it needs (path parameters of items created through the API, an
example body), and Hypothesis varies the request: an ``X-Request-ID`` or none, and the
``Accept`` header.

Every answer that is not a success must be a classified upstream error: 502, 503 or 504,
documented for the operation, ``application/problem+json`` with ``type``, ``title``,
``status`` (= the HTTP status), ``detail`` and ``correlation_id`` (= the response's
request id, = the one sent when one was), and no internals: no traceback, file path,
exception class, library name, address, or the upstream's own words. When the caller
knows the upstream is failing, ``expected`` names the statuses allowed (successes then
fail the property).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from properties.http.budget import over_http
from properties.http.data import create_item
from properties.http.failing_upstream import FAULT_RUN_ENV, FailingUpstream
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: Statuses of an upstream failure after retries (spec "Errors" / "Circuit breaker").
UPSTREAM_STATUSES = frozenset({502, 503, 504})
#: Documenting one of these marks an operation as depending on an upstream.
GATEWAY_STATUSES = ("502", "504")
PROBLEM_FIELDS = ("type", "title", "status", "detail", "correlation_id")
#: What internals look like in a response body; each names what it caught.
INTERNALS = {
    "a traceback": re.compile(r"Traceback \(most recent call last\)|\bFile \"[^\"]+\", line \d+"),
    "a source file": re.compile(r"[\w/\\.-]+\.py\b"),
    "an exception class": re.compile(r"\b[A-Z]\w*(?:Error|Exception|Timeout)\b"),
    "a library name": re.compile(r"\b(?:httpx|httpcore|h11|anyio|asyncio|uvicorn|starlette|sqlalchemy|asyncpg)\b"),
    "an address": re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\blocalhost:\d+"),
    "the upstream's words": re.compile(r"gauntlet-upstream-internal|/srv/model-server"),
}
request_ids = st.none() | st.from_regex(r"[A-Za-z0-9._-]{1,40}", fullmatch=True)
accepts = st.sampled_from(["application/json", "application/problem+json", "*/*", "text/html", None])


class NoUpstreamOperation(LookupError):
    """The target documents no operation answering 502/504: nothing depends on an upstream."""


@dataclass(frozen=True)
class UpstreamCall:
    operation: Operation
    path: str
    body: dict[str, Any] | None


def upstream_operations(http: HttpTarget) -> list[Operation]:
    found = [
        op for op in http.api.operations() if any(status in op.spec.get("responses", {}) for status in GATEWAY_STATUSES)
    ]
    if not found:
        raise NoUpstreamOperation(
            "the OpenAPI document documents no 502 or 504 response on any operation, so no operation is known "
            "to depend on an upstream; document them to have property 26 checked over HTTP"
        )
    return found


def prepare(http: HttpTarget, operation: Operation) -> UpstreamCall:
    """The operation with its path parameters filled by items created through the API."""
    path = operation.path
    for name in re.findall(r"{([^}]+)}", operation.path):
        collection = operation.path.split("{" + name + "}", 1)[0].rstrip("/")
        if not http.api.has_operation("POST", collection):
            raise AssertionError(f"{operation.label}: no POST {collection} to create the item whose {name!r} it needs")
        created = create_item(http, Operation("GET", collection, {}), label="gauntlet-p26")
        value = created.get("id", created.get(name))
        assert value is not None, f"POST {collection} answered no 'id' to use as {name!r}: {created}"
        path = path.replace("{" + name + "}", str(value))
    body = http.api.example_body(operation) if http.api.request_body_schema(operation) is not None else None
    return UpstreamCall(operation, path, body)


def internals_in(text: str) -> list[str]:
    return [what for what, pattern in INTERNALS.items() if pattern.search(text)]


def check_problem(http: HttpTarget, call: UpstreamCall, response: Any, request_id: str | None) -> None:
    label, status = call.operation.label, response.status_code
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/problem+json"), (
        f"{label} answered {status} as {content_type!r}, not application/problem+json: {response.text[:300]!r}"
    )
    body = response.json()
    assert isinstance(body, dict), f"{label} answered {status} with a problem that is not an object: {body!r}"
    missing = [name for name in PROBLEM_FIELDS if not isinstance(body.get(name), str if name != "status" else int)]
    assert not missing, f"{label} answered {status} with a problem lacking {missing}: {body}"
    assert body["status"] == status, f"{label} answered HTTP {status} with a problem saying status {body['status']}"
    echoed = response.headers.get(http.settings.request_id_header)
    assert body["correlation_id"] == echoed, (
        f"{label}: the problem's correlation_id {body['correlation_id']!r} is not the response's "
        f"{http.settings.request_id_header} {echoed!r}"
    )
    if request_id is not None:
        assert body["correlation_id"] == request_id, (
            f"{label}: sent {http.settings.request_id_header} {request_id!r}, the problem names "
            f"{body['correlation_id']!r}"
        )
    leaked = internals_in(response.text)
    assert not leaked, f"{label} answered {status} with internals ({', '.join(leaked)}): {response.text[:400]!r}"


def check_upstream_errors(http: HttpTarget, *, expected: Collection[int] | None = None) -> Counter[int]:
    """26: non-success answers of upstream operations are classified problems; returns the statuses seen.

    ``expected``: the statuses allowed (the caller made the upstream fail); None: the
    upstream's health is unknown, so successes are allowed too.
    """
    calls = [prepare(http, operation) for operation in upstream_operations(http)]
    seen: Counter[int] = Counter()

    @over_http()
    @given(call=st.sampled_from(calls), request_id=request_ids, accept=accepts)
    def failures_are_classified_problems(call: UpstreamCall, request_id: str | None, accept: str | None) -> None:
        headers = {}
        if request_id is not None:
            headers[http.settings.request_id_header] = request_id
        if accept is not None:
            headers["Accept"] = accept
        response = http.call(call.operation.method, call.path, json=call.body, headers=headers)
        status = response.status_code
        seen[status] += 1
        label = call.operation.label
        if expected is not None:
            assert status in expected, (
                f"{label} answered {status} while its upstream kept failing; expected one of {sorted(expected)}: "
                f"{response.text[:300]!r}"
            )
        elif response.is_success:
            return
        assert status in UPSTREAM_STATUSES, (
            f"{label} answered {status}: neither a success nor a classified upstream error (502/503/504): "
            f"{response.text[:300]!r}"
        )
        assert str(status) in call.operation.spec.get("responses", {}), (
            f"{label} answered {status}, which its OpenAPI operation does not document"
        )
        check_problem(http, call, response, request_id)

    try:
        failures_are_classified_problems()
    except FlakyFailure as flaky:
        # The target is stateful (its breaker opens and admits trials on its own clock), so
        # Hypothesis's replay of a failing example may pass: the first failure stands.
        first = next((error for error in flaky.exceptions if isinstance(error, AssertionError)), None)
        if first is None:
            raise
        raise first from None
    return seen


# ---------------------------------------------------------------- with a known failing upstream

BREAKER_OPEN_S = float(FAULT_RUN_ENV["APP_MODEL_SERVER__BREAKER__OPEN_SECONDS"])
#: Slack past the open period before a mode's first call (clock granularity, scheduling).
BREAKER_MARGIN_S = 0.2
#: Statuses a failing upstream may produce per mode: the classified one, or 503 once the
#: breaker opened.
EXPECTED_BY_MODE = {"error": frozenset({502, 503}), "reset": frozenset({502, 503}), "hang": frozenset({503, 504})}


def check_fault_modes(http: HttpTarget, upstream: FailingUpstream) -> Counter[int]:
    """26 with ``upstream`` (the target's upstream) failing each way in turn.

    Every answer must be the classified problem for that failure, and each mode must
    produce its classified status at least once (not only the breaker's 503).
    """
    seen: Counter[int] = Counter()
    for mode, expected in EXPECTED_BY_MODE.items():
        upstream.mode = mode
        # Let an open breaker (from the previous mode) admit a trial again: the first call
        # of each mode then reaches the failing upstream and gets its classified status.
        time.sleep(BREAKER_OPEN_S + BREAKER_MARGIN_S)
        statuses = check_upstream_errors(http, expected=expected)
        classified = expected - {503}
        assert statuses.keys() & classified, (
            f"with the upstream failing ({mode}) the API answered {dict(statuses)}; expected {sorted(classified)} "
            "at least once"
        )
        seen += statuses
    return seen
