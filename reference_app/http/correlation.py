"""Correlation ids, and the last-resort 500: the OUTERMOST wrapper of the app.

Every response carries ``X-Request-ID`` (304, 429 and unhandled 500 included), so this
middleware must wrap everything else, including the access log and the app's own error
handling. Per request it:

- accepts the incoming ``X-Request-ID`` only if it matches ``^[A-Za-z0-9._-]{1,128}$``,
  else generates ``uuid4().hex`` (an invalid id is replaced, never reflected: it could
  carry control characters into logs or headers, property 32);
- stores it in ``scope["state"]["correlation_id"]`` (``request.state.correlation_id``),
  in ``problem.current_correlation_id`` (problem+json bodies) and in structlog's
  contextvars (every log record of the request);
- keeps a valid W3C ``traceparent`` in ``scope["state"]["traceparent"]`` so tracing can
  continue the caller's trace;
- turns an exception nothing inside handled into a 500 problem+json with the fixed
  detail (no exception text, class or traceback in the body); when a complete response
  already went out (Starlette's ``ServerErrorMiddleware`` answers, then re-raises) it ends
  quietly; when only part of a response went out it re-raises, so the server aborts the
  connection rather than pass a truncated body off as complete. The exception is logged
  once with its traceback, unless the access log already logged it
  (``scope["state"][ERROR_LOGGED_KEY]``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http import problem
from reference_app.http.headers import (
    request_header,
    response_headers,
    scope_state,
    set_header,
)
from reference_app.http.routing import route_template
from reference_app.http.security_headers import security_headers

#: RFC-free but conservative: what may be echoed into a header and a log line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")
#: W3C Trace Context §3.2: version-traceid-parentid-flags, lower-case hex; a future
#: version (not 00, never ff) may append fields after another ``-``.
TRACEPARENT_PATTERN = re.compile(
    r"(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<parent_id>[0-9a-f]{16})"
    r"-(?P<flags>[0-9a-f]{2})(?P<rest>-.*)?"
)
#: Request and response header carrying the id (ASGI header names are lower-case).
REQUEST_ID_HEADER = b"x-request-id"
#: Set in ``scope["state"]`` by whoever logged the request's unhandled exception.
ERROR_LOGGED_KEY = "error_logged"
#: ``type`` and ``title`` of the last-resort 500 problem: ``about:blank`` with the status
#: phrase as title (RFC 9457 §4.2.1), as the app's own 500 handler answers.
INTERNAL_ERROR_TYPE = "about:blank"
INTERNAL_ERROR_TITLE = "Internal Server Error"

#: Makes a fresh correlation id (injectable for tests).
IdFactory = Callable[[], str]
#: The security headers for a path (``security_headers.security_headers`` or a partial).
ErrorHeaders = Callable[[str], list[tuple[bytes, bytes]]]


def _new_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(raw: bytes | None) -> str | None:
    """The incoming id if it is acceptable, else None.

    >>> accepted_request_id(b"abc-123"), accepted_request_id(b"a\\nb")
    ('abc-123', None)
    """
    if raw is None:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if REQUEST_ID_PATTERN.fullmatch(text) else None


def valid_traceparent(raw: bytes | None) -> str | None:
    """The ``traceparent`` value if it is a valid W3C trace context, else None."""
    if raw is None:
        return None
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    match = TRACEPARENT_PATTERN.fullmatch(text)
    if match is None:
        return None
    version = match["version"]
    if version == "ff" or (version == "00" and match["rest"]):
        return None
    if set(match["trace_id"]) == {"0"} or set(match["parent_id"]) == {"0"}:
        return None
    return text


def internal_error_response_parts(
    correlation_id: str, path: str, error_headers: ErrorHeaders = security_headers
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of the last-resort 500 (never mentions the exception)."""
    body = orjson.dumps(
        problem.problem_body(
            500,
            INTERNAL_ERROR_TITLE,
            type_=INTERNAL_ERROR_TYPE,
            correlation_id=correlation_id,
        )
    )
    headers = [
        (b"content-type", problem.PROBLEM_MEDIA_TYPE.encode("ascii")),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"cache-control", b"no-store"),
        *error_headers(path),
        (REQUEST_ID_HEADER, correlation_id.encode("ascii")),
    ]
    return headers, body


class CorrelationIdMiddleware:
    """Assigns each request its correlation id and guarantees a response.

    Example::

        app = CorrelationIdMiddleware(AccessLogMiddleware(MetricsMiddleware(app, metrics)))
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger_name: str = "reference_app.http",
        id_factory: IdFactory = _new_id,
        error_headers: ErrorHeaders = security_headers,
    ) -> None:
        self.app = app
        self.logger = structlog.stdlib.get_logger(logger_name)
        self.id_factory = id_factory
        #: Security headers of the last-resort 500 (it is sent outside their middleware).
        self.error_headers = error_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = accepted_request_id(request_header(scope, REQUEST_ID_HEADER))
        if correlation_id is None:
            correlation_id = self.id_factory()
        state = scope_state(scope)
        state["correlation_id"] = correlation_id
        traceparent = valid_traceparent(request_header(scope, b"traceparent"))
        if traceparent is not None:
            state["traceparent"] = traceparent
        id_header = correlation_id.encode("ascii")
        started = completed = False

        async def send_with_id(message: Message) -> None:
            nonlocal started, completed
            if message["type"] == "http.response.start":
                started = True
                set_header(response_headers(message), REQUEST_ID_HEADER, id_header)
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                completed = True
            await send(message)

        cid_token = problem.current_correlation_id.set(correlation_id)
        log_tokens = structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            self._log_failure(scope, "unhandled_exception", started=started, exc_info=True)
            if not started:
                await self._send_internal_error(scope, send, correlation_id)
            elif not completed:
                # Half a response is out: only the server can abort the connection, so
                # the client sees a failure instead of a silently truncated body.
                raise
        else:
            if not started:
                self._log_failure(scope, "no_response", started=False, exc_info=False)
                await self._send_internal_error(scope, send, correlation_id)
        finally:
            structlog.contextvars.reset_contextvars(**log_tokens)
            problem.current_correlation_id.reset(cid_token)

    def _log_failure(self, scope: Scope, event: str, *, started: bool, exc_info: bool) -> None:
        state = scope_state(scope)
        if state.get(ERROR_LOGGED_KEY):
            return  # the access log already wrote this request's one record
        state[ERROR_LOGGED_KEY] = True
        fields: dict[str, object] = {
            "method": scope.get("method"),
            "route": route_template(scope),
            "path": scope.get("path"),
            "status": 500,
            "error_type": INTERNAL_ERROR_TYPE,
            "response_started": started,
        }
        if exc_info:
            fields["exc_info"] = True
        self.logger.error(event, **fields)

    async def _send_internal_error(self, scope: Scope, send: Send, correlation_id: str) -> None:
        headers, body = internal_error_response_parts(correlation_id, scope.get("path", ""), self.error_headers)
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
