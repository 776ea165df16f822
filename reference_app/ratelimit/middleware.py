"""``RateLimitMiddleware``: GCRA per caller on every request but probes and the scrape.

It sits inside the correlation-id, security-header and CORS layers
(``reference_app.http.stack``), so a 429 carries ``X-Request-ID``, the security headers and
CORS headers, and preflights are never limited. Per request:

- allowed → the app answers, with the rate-limit headers added (``headers.py``);
- rejected → 429 problem+json with ``Retry-After`` and the same headers; the app never runs;
- limiter unavailable (Redis down, slow beyond ``timeout_s``, not started) → counted and
  logged; ``failure_mode="open"`` serves the request without limit headers,
  ``"closed"`` answers 503 problem+json with ``Retry-After: 1``. Never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.problem import problem_response, problem_type
from reference_app.ratelimit.headers import rate_limit_headers
from reference_app.ratelimit.identity import Caller
from reference_app.ratelimit.limiter import RateLimitDecision, RateLimiter

#: Seconds the limiter may wait for Redis before the failure mode applies.
DEFAULT_TIMEOUT_S = 0.5
#: Paths never limited (spec: health endpoints; also the scrape and the API description).
DEFAULT_EXEMPT_PREFIXES = ("/health/", "/metrics", "/openapi.json", "/docs")
#: At most one "limiter unavailable" log record per this many seconds (Redis down = every request).
LOG_INTERVAL_S = 5.0

logger = logging.getLogger("reference_app.ratelimit")

FailureMode = Literal["open", "closed"]
Identify = Callable[[Scope], Awaitable[Caller]]


class RateLimitObserver(Protocol):
    """Where decisions are counted (``HttpMetrics`` satisfies it)."""

    def rate_limit_result(self, result: str) -> None: ...


class RateLimitMiddleware:
    """Example::

    app.add_middleware(
        RateLimitMiddleware,
        limiter_of=lambda: limiter,          # None until Redis is connected
        identify=CallerIdentifier(settings, sessions_of=lambda: sessions),
        failure_mode="open",
    )
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter_of: Callable[[], RateLimiter | None],
        identify: Identify,
        failure_mode: FailureMode = "open",
        exempt_prefixes: Sequence[str] = DEFAULT_EXEMPT_PREFIXES,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        observer: RateLimitObserver | None = None,
    ) -> None:
        if failure_mode not in ("open", "closed"):
            raise ValueError(f"failure_mode must be 'open' or 'closed', got {failure_mode!r}. Example: 'open'")
        self.app = app
        self.limiter_of = limiter_of
        self.identify = identify
        self.failure_mode = failure_mode
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.timeout_s = timeout_s
        self.observer = observer
        self._logged_at = -LOG_INTERVAL_S
        self._unlogged = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        decision = await self._decide(scope)
        if decision is None:
            if self.failure_mode == "closed":
                self._count("fail_closed")
                response = problem_response(
                    503,
                    "Service Unavailable",
                    type_=problem_type("rate-limit-unavailable"),
                    detail="Rate limiting is temporarily unavailable. Retry shortly.",
                    headers={"Retry-After": "1"},
                )
                await response(scope, receive, send)
                return
            self._count("fail_open")
            await self.app(scope, receive, send)
            return
        headers = rate_limit_headers(decision)
        if not decision.allowed:
            self._count("rejected")
            response = problem_response(
                429,
                "Too Many Requests",
                type_=problem_type("rate-limited"),
                detail=(
                    f"Rate limit of {decision.limit} requests per {decision.window_s} s exceeded; "
                    f"retry after {decision.retry_after_s} s."
                ),
            )
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return
        self._count("allowed")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _decide(self, scope: Scope) -> RateLimitDecision | None:
        limiter = self.limiter_of()
        if limiter is None:
            self._log_unavailable("not started")
            return None
        try:
            caller = await self.identify(scope)
            async with asyncio.timeout(self.timeout_s):
                return await limiter.hit(caller.tier, caller.identity)
        except Exception as exc:  # Redis down, refused, slow: the failure mode decides
            self._log_unavailable(type(exc).__name__)
            return None

    def _count(self, result: str) -> None:
        if self.observer is not None:
            self.observer.rate_limit_result(result)

    def _log_unavailable(self, reason: str) -> None:
        now = time.monotonic()
        if now - self._logged_at < LOG_INTERVAL_S:
            self._unlogged += 1
            return
        logger.warning(
            "rate limiter unavailable",
            extra={"reason": reason, "failure_mode": self.failure_mode, "suppressed": self._unlogged},
        )
        self._logged_at, self._unlogged = now, 0
