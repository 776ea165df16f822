"""Small ASGI apps, each wrong in one way Gauntlet's checks must notice (and one that is right).

``make_app()`` is right: problem+json errors with a matching status, X-Request-ID, the
security headers, no-store on errors, consistent rate-limit headers. Each keyword turns
one of those into the defect a check exists for.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000",
}
TRACEBACK = 'Traceback (most recent call last):\n  File "/app/service/items.py", line 12, in read\nKeyError: 7'
PROBLEM = {"content": {"application/problem+json": {}}, "description": "Problem"}


def make_app(
    *,
    html_errors: bool = False,
    wrong_problem_status: bool = False,
    request_id: bool = True,
    security_headers: bool = True,
    leak_traceback: bool = False,
    error_cache_control: str = "no-store",
    retry_after: str | None = "5",
    remaining_on_429: str = "0",
) -> FastAPI:
    app = FastAPI(title="wrong app", version="1")

    def headers(status: int) -> dict[str, str]:
        found = dict(SECURITY) if security_headers else {}
        if request_id:
            found["X-Request-ID"] = uuid.uuid4().hex
        if status >= 400 and error_cache_control:
            found["Cache-Control"] = error_cache_control
        return found

    def error(status: int, title: str) -> Response:
        if html_errors:
            return HTMLResponse(f"<html><body><h1>{title}</h1></body></html>", status, headers=headers(status))
        detail = TRACEBACK if leak_traceback else None
        body = {
            "type": "about:blank",
            "title": title,
            "status": 200 if wrong_problem_status else status,
            "detail": detail,
        }
        return JSONResponse(body, status, headers=headers(status), media_type="application/problem+json")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error(422, "Invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error(exc.status_code, str(exc.detail))

    @app.get("/items/{item_id}", responses={404: PROBLEM, 422: PROBLEM})
    def read_item(item_id: int) -> Any:
        if item_id != 1:
            return error(404, "No such item")
        return JSONResponse({"id": item_id}, headers=headers(200))

    @app.get("/limited", responses={429: PROBLEM})
    def limited() -> Response:
        response = error(429, "Too many requests")
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        response.headers["X-RateLimit-Limit"] = "10"
        response.headers["X-RateLimit-Remaining"] = remaining_on_429
        response.headers["X-RateLimit-Reset"] = "5"
        return response

    return app
