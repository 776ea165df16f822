"""CORS with an exact allow-list (property E3; Fetch standard, "CORS protocol").

- A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) from an
  allowed origin is answered here: 204 with ``Access-Control-Allow-Origin`` = that exact
  origin, ``Access-Control-Allow-Credentials: true``, the allowed methods and headers,
  ``Access-Control-Max-Age`` and ``Vary: Origin``. The browser enforces the lists.
- A preflight from any other origin, ``null`` included, gets a 403 problem+json with no
  ``Access-Control-Allow-*`` header at all.
- Other requests go to the app; allowed origins get ACAO/ACAC (and the exposed headers)
  added, other origins get nothing.
- ``Vary: Origin`` is on every response whenever the answer depends on the origin.

``*`` together with credentials is refused at construction: browsers reject that
combination, and reflecting any origin instead would hand every site the user's
credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.errors import ConfigurationError
from reference_app.http import problem
from reference_app.http.headers import add_vary, request_header, response_headers, set_header

#: Browsers cache a preflight at most 2 h (Chromium) and 24 h (Firefox); 10 min keeps
#: allow-list changes quick to take effect.
DEFAULT_MAX_AGE_SECONDS = 600
#: Methods the API serves, announced on preflights.
DEFAULT_ALLOW_METHODS = ("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")
#: Request headers a browser script may send (besides the CORS-safelisted ones).
DEFAULT_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-None-Match",
    "X-API-Key",
    "X-Request-ID",
    "traceparent",
)
#: Response headers a browser script may read (besides the CORS-safelisted ones).
DEFAULT_EXPOSE_HEADERS = (
    "ETag",
    "Idempotent-Replayed",
    "Location",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Request-ID",
)
#: ``scheme://host[:port]``: an origin is never a URL with a path (RFC 6454 §6.1).
ORIGIN_PATTERN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class CorsConfigurationError(ConfigurationError, ValueError):
    """The CORS settings are unsafe or malformed; the message names the value and the fix."""


def _normalized_origins(origins: Iterable[str], allow_credentials: bool) -> frozenset[str]:
    result = set()
    for origin in origins:
        if origin == "*":
            if allow_credentials:
                raise CorsConfigurationError(
                    "CORS origin '*' cannot be combined with allow_credentials=True: list the "
                    "exact origins instead, e.g. cors_origins=['https://app.example.com']."
                )
            result.add("*")
            continue
        candidate = origin.strip().rstrip("/").lower()
        if not ORIGIN_PATTERN.fullmatch(candidate):
            raise CorsConfigurationError(
                f"CORS origin {origin!r} is not an origin. Use scheme://host[:port] with no "
                "path, e.g. 'https://app.example.com' or 'http://localhost:5173'."
            )
        result.add(candidate)
    return frozenset(result)


class CorsMiddleware:
    """Answers preflights and decorates responses for an exact origin allow-list.

    Example::

        app = CorsMiddleware(app, allow_origins=["https://app.example.com"])
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_credentials: bool = True,
        allow_methods: Sequence[str] = DEFAULT_ALLOW_METHODS,
        allow_headers: Sequence[str] = DEFAULT_ALLOW_HEADERS,
        expose_headers: Sequence[str] = DEFAULT_EXPOSE_HEADERS,
        max_age: int = DEFAULT_MAX_AGE_SECONDS,
    ) -> None:
        self.app = app
        self.allow_origins = _normalized_origins(allow_origins, allow_credentials)
        self.allow_any = "*" in self.allow_origins
        self.allow_credentials = allow_credentials
        self.allow_methods = ", ".join(m.upper() for m in allow_methods).encode("ascii")
        self.allow_headers = ", ".join(allow_headers).encode("ascii")
        self.expose_headers = ", ".join(expose_headers).encode("ascii")
        self.max_age = str(max_age).encode("ascii")

    def _allowed(self, origin: str) -> bool:
        # ``null`` (sandboxed iframes, file: URLs, redirects) is shared by unrelated
        # documents: never trust it, even under ``*``.
        if origin == "null":
            return False
        return self.allow_any or origin.lower() in self.allow_origins

    def _origin_headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        value = b"*" if self.allow_any and not self.allow_credentials else origin.encode("latin-1")
        headers = [(b"access-control-allow-origin", value)]
        if self.allow_credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_origin = request_header(scope, b"origin")
        origin = raw_origin.decode("latin-1") if raw_origin is not None else None
        is_preflight = (
            scope["method"] == "OPTIONS"
            and origin is not None
            and request_header(scope, b"access-control-request-method") is not None
        )
        if is_preflight and origin is not None:
            await self._preflight(origin, send)
            return
        allowed = origin is not None and self._allowed(origin)
        varies = not (self.allow_any and not self.allow_credentials)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = response_headers(message)
                if allowed and origin is not None:
                    for name, value in self._origin_headers(origin):
                        set_header(headers, name, value)
                    if self.expose_headers:
                        set_header(headers, b"access-control-expose-headers", self.expose_headers)
                if varies:
                    add_vary(headers, b"Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, origin: str, send: Send) -> None:
        if not self._allowed(origin):
            body = orjson.dumps(
                problem.problem_body(
                    403,
                    "Forbidden",
                    type_=problem.problem_type("cors-origin-not-allowed"),
                    detail="This origin may not call the API from a browser.",
                )
            )
            headers = [
                (b"content-type", problem.PROBLEM_MEDIA_TYPE.encode("ascii")),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"cache-control", b"no-store"),
                (b"vary", b"Origin"),
            ]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        headers = [
            *self._origin_headers(origin),
            (b"access-control-allow-methods", self.allow_methods),
            (b"access-control-allow-headers", self.allow_headers),
            (b"access-control-max-age", self.max_age),
            (b"vary", b"Origin"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
