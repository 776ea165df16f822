"""32 (component part): correlation ids through the configured ``CorrelationIds`` middleware
and ``LogConfigurator``, in process.

Each example configures logging on a fresh stream, wraps a small ASGI handler in the
middleware and calls it once with a Hypothesis-chosen ``X-Request-ID`` (valid, invalid:
control characters, forbidden characters, over 128 characters, or none). The handler logs
through the structured logger and the standard library and makes one outgoing httpx call
(to a respx-mocked upstream) with ``outgoing_headers``. Then:

- a valid incoming id is the response's ``X-Request-ID``; any other is replaced by a valid
  one and never reflected (not in the response, the logs or the outgoing call);
- every log record of the request carries the response's id as ``correlation_id``;
- the outgoing call carries it as ``X-Request-ID``.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from gauntlet.components.protocols import CorrelationIds, LogConfigurator
from properties.component.logging import isolated_logging, parsed_lines

VALID_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
MAX_ID_LENGTH = 128
UPSTREAM = "http://upstream.component.test"
SERVICE = "gauntlet-props"

id_characters = st.sampled_from("abcXYZ019._-")
valid_ids = st.from_regex(r"[A-Za-z0-9._-]{1,128}", fullmatch=True)
invalid_ids = st.one_of(
    st.text(id_characters, min_size=MAX_ID_LENGTH + 1, max_size=3 * MAX_ID_LENGTH),
    st.tuples(
        st.text(id_characters, min_size=4, max_size=20),
        st.text(st.sampled_from("\x00\x01\x1b\x7f\n\r\t /:;\"'<>{}%é"), min_size=1, max_size=4),
        st.text(id_characters, min_size=4, max_size=20),
    ).map("".join),
)
#: (kind, header value or None for no header).
incoming = st.one_of(
    valid_ids.map(lambda v: ("valid", v)),
    invalid_ids.map(lambda v: ("invalid", v)),
    st.just(("absent", None)),
)


def _handler(logs: LogConfigurator, ids: CorrelationIds) -> Any:
    async def handle(scope: Mapping[str, Any], receive: Any, send: Any) -> None:
        logs.get_logger("gauntlet.props.correlation").info("handling", step=1)
        logging.getLogger("gauntlet.props.correlation.stdlib").warning("a dependency logs through logging")
        async with httpx.AsyncClient(base_url=UPSTREAM) as client:
            await client.post("/draft", json={}, headers=dict(ids.outgoing_headers(scope)))
        logs.get_logger("gauntlet.props.correlation").warning("handled", step=2)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    return handle


async def _call(app: Any, header: str | None) -> tuple[int, list[tuple[bytes, bytes]]]:
    headers = [] if header is None else [(b"x-request-id", header.encode("utf-8"))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/probe",
        "raw_path": b"/probe",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("component.test", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], list(start.get("headers", []))


def check_correlation_ids(logs: LogConfigurator, ids: CorrelationIds) -> None:
    """32: valid ids are kept and propagated to logs and outgoing calls; invalid ones replaced."""

    @settings(report_multiple_bugs=False)
    @given(incoming_id=incoming)
    def propagated_or_replaced(incoming_id: tuple[str, str | None]) -> None:
        kind, header = incoming_id
        stream = io.StringIO()
        with isolated_logging(), respx.mock(assert_all_called=False) as upstream:
            route = upstream.post(f"{UPSTREAM}/draft").respond(200, json={})
            # INFO: asyncio's debug line about its selector comes before the request, outside it.
            logs.configure(service=SERVICE, level="INFO", stream=stream)
            status, headers = asyncio.run(_call(ids.wrap(_handler(logs, ids)), header))
        assert status == 200, f"the probe handler answered 200, the wrapped app {status}"
        echoed = [v.decode("latin-1") for k, v in headers if k.lower() == b"x-request-id"]
        assert len(echoed) == 1, f"incoming X-Request-ID {header!r}: response X-Request-ID headers {echoed}"
        [response_id] = echoed
        if kind == "valid":
            assert response_id == header, f"valid incoming id {header!r} came back as {response_id!r}"
        else:
            assert VALID_ID.fullmatch(response_id), f"{kind} incoming id {header!r}: response id {response_id!r}"
            assert response_id != header, f"invalid incoming id {header!r} was reflected in the response"
        records = parsed_lines(stream.getvalue())
        assert len(records) >= 3, f"the handler logged 3 records, the stream has {stream.getvalue()[:500]!r}"
        for record in records:
            assert record.get("correlation_id") == response_id, (
                f"incoming id {header!r}, response id {response_id!r}: log record {record} "
                f"has correlation_id {record.get('correlation_id')!r}"
            )
        [call] = route.calls
        outgoing = call.request.headers.get_list("x-request-id")
        assert outgoing == [response_id], (
            f"incoming id {header!r}, response id {response_id!r}: the outgoing call sent X-Request-ID {outgoing}"
        )
        if kind == "invalid" and header is not None:
            assert header not in stream.getvalue(), f"invalid incoming id {header!r} was reflected in the logs"

    propagated_or_replaced()
