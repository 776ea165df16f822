"""OpenAPI additions: problem+json error responses and links between operations."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from reference_app.http.problem import PROBLEM_MEDIA_TYPE
from reference_app.schemas.problem import Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

#: Why each error status happens, as the description of its documented response.
_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, cursor or Idempotency-Key.",
    401: "Missing or invalid credentials (see `WWW-Authenticate`).",
    403: "Authenticated, but not allowed.",
    404: "No such resource, or it belongs to someone else.",
    409: "Conflicts with the current state (e.g. username taken).",
    422: "The request is well-formed but its values are invalid; `errors` lists them.",
    429: "Rate limit exceeded; retry after `Retry-After` seconds.",
    503: "A dependency is unavailable; retry later.",
}

ResponsesDoc = dict[int | str, dict[str, Any]]


def problem_responses(*statuses: int) -> ResponsesDoc:
    """``responses=`` entries documenting each status as problem+json.

    >>> @router.get("/x", responses=problem_responses(401, 404, 422))
    """
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
        }
        for status in statuses
    }


def links_to(operations: dict[str, str], parameter: str, expression: str) -> dict[str, Any]:
    """OpenAPI ``links``: each named operation takes ``parameter`` from ``expression``."""
    return {
        name: {"operationId": operation_id, "parameters": {parameter: expression}}
        for name, operation_id in operations.items()
    }


def install_openapi(app: FastAPI) -> None:
    """Generate the document once, adding the Problem schema the error responses refer to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(problem_schema.pop("$defs", {}))
            schemas["Problem"] = problem_schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
