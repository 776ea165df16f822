"""RFC 9457 Problem Details: the one shape every 4xx/5xx of the reference app takes.

Every error body carries ``type``, ``title``, ``status`` (equal to the HTTP status),
``instance`` (``urn:request:{id}``) and ``correlation_id``. 5xx bodies carry a fixed
sentence as ``detail``: never exception text, class names, paths or tracebacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Base URI of the reference app's problem types (``{PROBLEM_TYPE_BASE}invalid-cursor``).
PROBLEM_TYPE_BASE = "https://gauntlet.dev/problems/"
#: The only detail a 5xx ever carries: internals stay in the logs.
SERVER_ERROR_DETAIL = "The server could not complete the request. Retry later or report the correlation id."

#: Correlation id of the request being served; set by the correlation-id middleware.
current_correlation_id: ContextVar[str | None] = ContextVar("current_correlation_id", default=None)


def problem_type(slug: str) -> str:
    """The ``type`` URI for a problem slug, e.g. ``problem_type("invalid-cursor")``."""
    return f"{PROBLEM_TYPE_BASE}{slug}"


def problem_body(
    status: int,
    title: str,
    *,
    type_: str = "about:blank",
    detail: str | None = None,
    correlation_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The problem+json document as a dict; ``correlation_id`` defaults to the current request's."""
    cid = correlation_id if correlation_id is not None else current_correlation_id.get()
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if status >= 500:
        body["detail"] = SERVER_ERROR_DETAIL if detail is None else detail
    elif detail is not None:
        body["detail"] = detail
    body["instance"] = f"urn:request:{cid}" if cid else "urn:request:unknown"
    body["correlation_id"] = cid
    if extra:
        body.update(extra)
    return body


def problem_response(
    status: int,
    title: str,
    *,
    type_: str = "about:blank",
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """A ready Starlette response: problem+json, ``Cache-Control: no-store``.

    >>> problem_response(404, "Not Found", detail="No incident with this id.").status_code
    404
    """
    all_headers = {"Cache-Control": "no-store"}
    if headers:
        all_headers.update(headers)
    return Response(
        content=orjson.dumps(problem_body(status, title, type_=type_, detail=detail, extra=extra)),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=all_headers,
    )
