"""Document the limiter's answers on every limited operation: 429 (with ``Retry-After``
and the rate-limit fields) and 503 (``failure_mode="closed"`` with Redis down)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from reference_app.http.problem import PROBLEM_MEDIA_TYPE

_PROBLEM = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_HEADERS = {
    "Retry-After": {"description": "Seconds until a request will pass (>= 1).", "schema": {"type": "integer"}},
    "RateLimit-Policy": {
        "description": 'draft-ietf-httpapi-ratelimit-headers-10 policy, e.g. `"free";q=100;w=60`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Remaining quota and seconds to reset, e.g. `"free";r=0;t=12`.',
        "schema": {"type": "string"},
    },
}


def document_rate_limits(app: FastAPI, *, prefix: str) -> None:
    """Wrap ``app.openapi`` so operations under ``prefix`` list 429 and 503 as problem+json."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        if document.get("x-rate-limits-documented"):
            return document
        for path, item in document.get("paths", {}).items():
            if not path.startswith(prefix):
                continue
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                too_many = responses.setdefault(
                    "429", {"description": "Rate limit exceeded; retry after `Retry-After` seconds."}
                )
                too_many.setdefault("content", _PROBLEM)
                too_many.setdefault("headers", _HEADERS)
                responses.setdefault(
                    "503", {"description": "A dependency is unavailable; retry later.", "content": _PROBLEM}
                )
        document["x-rate-limits-documented"] = True
        return document

    app.openapi = openapi  # type: ignore[method-assign]
