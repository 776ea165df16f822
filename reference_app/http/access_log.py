"""One access-log record per error response (property 30).

Every 4xx/5xx response produces exactly one record, event ``http_request``, with
``correlation_id`` (from the log context), ``method``, ``route`` (the template or
``unmatched``), ``path``, ``status``, ``error_type`` (the problem ``type`` when the body
is problem+json) and ``duration_ms``: level ``warning`` for 4xx, ``error`` for 5xx, and
``info`` for other responses when ``log_success`` is on.

Place it directly inside ``CorrelationIdMiddleware``. When an exception escapes the app,
this middleware writes the request's one record (level error, with the traceback), marks
``scope["state"][ERROR_LOGGED_KEY]`` and re-raises; the correlation middleware then sends
the 500 (if nothing was sent yet) without logging the exception a second time.
"""

from __future__ import annotations

import logging
import time

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.correlation import ERROR_LOGGED_KEY, INTERNAL_ERROR_TYPE
from reference_app.http.headers import get_header, response_headers, scope_state
from reference_app.http.problem import PROBLEM_MEDIA_TYPE
from reference_app.http.routing import route_template

#: Error bodies larger than this are not parsed for their problem ``type``.
MAX_PROBLEM_BODY_BYTES = 64 * 1024
#: ``error_type`` of an error response whose body is not problem+json.
UNKNOWN_ERROR_TYPE = "unknown"
_PROBLEM_MEDIA = PROBLEM_MEDIA_TYPE.encode("ascii")


def _problem_type(body: bytes) -> str | None:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    kind = document.get("type") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None


class AccessLogMiddleware:
    """Logs each error response once (and each other response when ``log_success``).

    Example::

        app = CorrelationIdMiddleware(AccessLogMiddleware(app, log_success=False))
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger_name: str = "reference_app.access",
        log_success: bool = False,
    ) -> None:
        self.app = app
        self.logger = structlog.stdlib.get_logger(logger_name)
        self.log_success = log_success

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        status: int | None = None
        is_problem = False
        body = bytearray()

        async def send_observing(message: Message) -> None:
            nonlocal status, is_problem
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if status >= 400:  # only error bodies are read (for their problem ``type``)
                    content_type = get_header(response_headers(message), b"content-type") or b""
                    is_problem = content_type.split(b";")[0].strip() == _PROBLEM_MEDIA
            elif message["type"] == "http.response.body" and is_problem and len(body) < MAX_PROBLEM_BODY_BYTES:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_observing)
        except Exception:
            final_status = status if status is not None else 500
            failure_type = (_problem_type(bytes(body)) if is_problem else None) or INTERNAL_ERROR_TYPE
            self._log(scope, final_status, failure_type, started_at, exc_info=True)
            scope_state(scope)[ERROR_LOGGED_KEY] = True
            raise
        if status is None:
            # The app ended without answering: the outer wrapper sends a 500.
            self._log(scope, 500, INTERNAL_ERROR_TYPE, started_at, exc_info=False)
            scope_state(scope)[ERROR_LOGGED_KEY] = True
            return
        error_type: str | None = None
        if status >= 400:
            error_type = (_problem_type(bytes(body)) if is_problem else None) or UNKNOWN_ERROR_TYPE
        self._log(scope, status, error_type, started_at, exc_info=False)

    def _log(
        self,
        scope: Scope,
        status: int,
        error_type: str | None,
        started_at: float,
        *,
        exc_info: bool,
    ) -> None:
        if status >= 500:
            level = logging.ERROR
        elif status >= 400:
            level = logging.WARNING
        elif self.log_success:
            level = logging.INFO
        else:
            return
        fields: dict[str, object] = {
            "method": scope.get("method"),
            "route": route_template(scope),
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round((time.perf_counter() - started_at) * 1000, 3),
        }
        if error_type is not None:
            fields["error_type"] = error_type
        if exc_info:
            fields["exc_info"] = True
        self.logger.log(level, "http_request", **fields)
