"""E8: no request built from the OpenAPI document, valid or deliberately invalid, gets a
5xx or a stack trace. Schemathesis generates the requests; this suite sends them with its
own client, so the same check runs over the network and in process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import httpx
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from properties.http.budget import over_http
from properties.http.target import CREDENTIAL_HEADERS, HttpTarget

#: Text that only a leaked traceback would put in a response (Python's and the JVM's).
STACK_TRACE = re.compile(r'Traceback \(most recent call last\)|File "[^"]+", line \d+|\bat [\w.$]+\([\w]+\.java:\d+\)')
#: Headers Schemathesis adds for its own transport; ours sends its own.
TRANSPORT_HEADERS = frozenset({"user-agent", "accept-encoding", "accept", "connection", "content-length", "host"})


def _scalar(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return json.dumps(value, default=str)


def to_request(http: HttpTarget, kwargs: dict[str, Any]) -> httpx.Request | None:
    """A Schemathesis case's transport arguments as an httpx request (None: not sendable)."""
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items() if k.lower() not in TRANSPORT_HEADERS}
    if not any(k.lower() in CREDENTIAL_HEADERS for k in headers):
        headers.update(http.auth)
    params: dict[str, Any] = {}
    for name, value in (kwargs.get("params") or {}).items():
        params[name] = [_scalar(v) for v in value] if isinstance(value, list) else _scalar(value)
    url = httpx.URL(kwargs["url"])
    content: Any = None
    if "json" in kwargs:
        content = json.dumps(kwargs["json"], default=str).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "data" in kwargs and isinstance(kwargs["data"], bytes | str):
        content = kwargs["data"]
    try:
        return http.client.build_request(
            kwargs["method"], url.raw_path.decode("ascii"), params=params, headers=headers, content=content
        )
    except (UnicodeError, ValueError, TypeError, httpx.HTTPError):
        return None


def stack_trace_in(text: str) -> str | None:
    match = STACK_TRACE.search(text)
    return match[0] if match else None


def check_no_server_errors(http: HttpTarget, exclude: Sequence[str] = ()) -> None:
    schema = schemathesis.openapi.from_dict(dict(http.api.document))
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    operations = [op for op in operations if op.label not in exclude]
    assert operations, "the OpenAPI document describes no operation"
    for operation in operations:
        _check_operation(http, operation)


def _check_operation(http: HttpTarget, operation: Any) -> None:
    """The active profile's examples for one operation, valid and invalid requests mixed."""
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

    @over_http()
    @given(case=st.one_of([operation.as_strategy(generation_mode=mode) for mode in modes]))
    def never_a_server_error(case: Any) -> None:
        request = to_request(http, case.as_transport_kwargs(base_url=str(http.client.base_url).rstrip("/")))
        if request is None:
            return  # not expressible on the wire (e.g. a header value with a line break)
        try:
            response = http.client.send(request)
        except httpx.LocalProtocolError:
            return
        where = f"{request.method} {request.url} ({operation.label})"
        assert response.status_code < 500, f"{where} answered {response.status_code}: {response.text[:300]}"
        marker = stack_trace_in(response.text)
        assert marker is None, f"{where}: the body shows a stack trace ({marker!r}): {response.text[:300]}"

    never_a_server_error()
