"""Every error leaves the app as problem+json (RFC 9457), with ``status`` = HTTP status.

Routing errors (unknown route 404, 405), ``HTTPException``, request validation (422; 400
for malformed JSON), the app's own :class:`ProblemError` and unhandled exceptions (500,
fixed detail) all end here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from reference_app.errors import ProblemError
from reference_app.http.problem import problem_response, problem_type

logger = logging.getLogger("reference_app.errors")

#: Error types whose pydantic message quotes part of the input ("found `x` at 3").
_MESSAGES_QUOTING_INPUT = frozenset(
    {"uuid_parsing", "int_parsing", "float_parsing", "datetime_parsing", "date_parsing"}
)


_PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unhandled)


def validation_issues(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """``[{loc, msg, type}]`` without ``input`` or ``ctx``: input values are never echoed."""
    issues = []
    for error in errors:
        kind = str(error.get("type", "value_error"))
        message = str(error.get("msg", "Invalid value"))
        if kind in _MESSAGES_QUOTING_INPUT:
            message = message.split(",", 1)[0]
        issues.append({"loc": list(error.get("loc", ())), "msg": message, "type": kind})
    return issues


async def _problem_error(_request: Request, exc: ProblemError) -> Response:
    return problem_response(
        exc.status,
        exc.title,
        type_=problem_type(exc.slug) if exc.slug else "about:blank",
        detail=exc.detail,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _http_exception(request: Request, exc: HTTPException) -> Response:
    phrase = _phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette lists only the first matching route's methods; RFC 9110 §10.2.1 wants all.
        headers["Allow"] = ", ".join(_allowed_methods(request))
    # "about:blank": the status says it all; the title must be its phrase (RFC 9457 §4.2.1).
    return problem_response(exc.status_code, phrase, detail=detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Methods some route serves at this path, found by probing the router with each."""
    allowed = []
    for method in _PROBED_METHODS:
        probe = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "headers": [],
            "query_string": b"",
        }
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(
            400,
            "Malformed JSON",
            type_=problem_type("malformed-json"),
            detail="The request body is not valid JSON.",
        )
    return problem_response(
        422,
        "Unprocessable Content",
        type_=problem_type("validation-error"),
        detail="The request has invalid values; see errors.",
        extra={"errors": validation_issues(errors)},
    )


async def _unhandled(request: Request, exc: Exception) -> Response:
    logger.error(
        "unhandled exception",
        exc_info=exc,
        extra={"route": request.scope.get("path"), "method": request.method},
    )
    return problem_response(500, "Internal Server Error")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
