"""Client retries with capped exponential backoff and full jitter (spec "Retries"; property 25).

Attempts are numbered from 0: attempt 0 is the first call and has no delay; attempt
n ≥ 1 (the n-th retry) waits a delay drawn uniformly from [0, min(cap, base·2ⁿ)] (full
jitter, AWS Architecture Blog "Exponential Backoff And Jitter"). With the defaults
(3 attempts, base 0.1 s): at most 0.2 s before attempt 1 and 0.4 s before attempt 2.

Only calls that are safe to repeat are retried: idempotent methods (RFC 9110 §9.2.2) or
requests carrying ``Idempotency-Key``. Retried outcomes are those :mod:`classify` calls
retryable. A ``Retry-After`` on the answer raises the delay to at least its value; a
Retry-After beyond the cap, or a delay that would end past the overall deadline, means no
retry. Each attempt's httpx timeouts are lowered to the time left before the deadline, so
an attempt cannot carry the call past it either. A shared :class:`RetryBudget` refuses
retries once they exceed their share.

    policy = RetryPolicy()
    client = httpx.AsyncClient(transport=policy.wrap(httpx.AsyncHTTPTransport()))
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from reference_app.resilience.budget import RetryBudget
from reference_app.resilience.classify import ErrorClass, classify

#: Most attempts per call, the first included (spec: 3).
DEFAULT_MAX_ATTEMPTS = 3
#: Backoff base: the ceiling before retry n is base·2ⁿ (spec: 0.1 s).
DEFAULT_BASE_S = 0.1
#: No delay exceeds this, and a longer Retry-After means "do not retry" (spec: 10 s).
DEFAULT_CAP_S = 10.0
#: A call and all its retries end within this many seconds (spec: 30 s).
DEFAULT_DEADLINE_S = 30.0
#: RFC 9110 §9.2.2: methods whose repetition has the effect of one request.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})

logger = logging.getLogger("reference_app.resilience.retry")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
RandomSource = Callable[[], float]


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or HTTP-date, RFC 9110 §10.2.3), else None.

    >>> retry_after_seconds("7"), retry_after_seconds("soon")
    (7.0, None)
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_repeatable(request: httpx.Request) -> bool:
    """True for idempotent methods and requests carrying an ``Idempotency-Key``."""
    return request.method.upper() in IDEMPOTENT_METHODS or "idempotency-key" in request.headers


@dataclass
class RetryPolicy:
    """The rules, the randomness and the waiting of retries; ``wrap`` applies them.

    Everything that makes a run non-deterministic is injectable::

        delays = []
        async def sleep(seconds): delays.append(seconds)
        policy = RetryPolicy(random=lambda: 1.0, sleep=sleep, clock=lambda: 0.0)
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_s: float = DEFAULT_BASE_S
    cap_s: float = DEFAULT_CAP_S
    deadline_s: float = DEFAULT_DEADLINE_S
    random: RandomSource = field(default=random.random)
    sleep: Sleep = field(default=asyncio.sleep)
    clock: Clock = field(default=time.monotonic)
    budget: RetryBudget | None = None

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_s <= 0 or self.cap_s <= 0 or self.deadline_s <= 0:
            raise ValueError(
                f"RetryPolicy needs max_attempts >= 1 and positive times, got max_attempts={self.max_attempts}, "
                f"base_s={self.base_s}, cap_s={self.cap_s}, deadline_s={self.deadline_s}. "
                "Example: RetryPolicy(max_attempts=3, base_s=0.1, cap_s=10, deadline_s=30)"
            )

    def ceiling(self, attempt: int) -> float:
        """Largest jittered delay before ``attempt`` (n ≥ 1): min(cap, base·2ⁿ)."""
        if attempt < 1:
            return 0.0
        # 2**attempt overflows floats past ~1000; the cap is reached long before.
        return self.cap_s if attempt >= 64 else min(self.cap_s, self.base_s * 2.0**attempt)

    def classify(self, outcome: BaseException | int | httpx.Response) -> ErrorClass:
        return classify(outcome)

    def delay(self, attempt: int, *, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> float | None:
        """Seconds to wait before ``attempt`` (n ≥ 1), or None: do not make it.

        None when ``attempt`` is past ``max_attempts``, when Retry-After exceeds the cap, or
        when waiting would end past the deadline. Draws once from the random source.
        """
        if attempt < 1 or attempt >= self.max_attempts:
            return None
        if retry_after_s is not None and retry_after_s > self.cap_s:
            return None
        jittered = min(1.0, max(0.0, self.random())) * self.ceiling(attempt)
        chosen = max(retry_after_s, jittered) if retry_after_s is not None else jittered
        if elapsed_s + chosen > self.deadline_s:
            return None
        return chosen

    def wrap(self, transport: httpx.AsyncBaseTransport) -> RetryTransport:
        return RetryTransport(transport, self)


class RetryTransport(httpx.AsyncBaseTransport):
    """An httpx transport that retries ``inner`` by ``policy`` (the response or error of
    the last attempt is what the caller sees)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy) -> None:
        self.inner = inner
        self.policy = policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy = self.policy
        if policy.budget is not None:
            policy.budget.deposit()
        repeatable = is_repeatable(request)
        started = policy.clock()
        timeouts = dict(request.extensions.get("timeout", {}))
        attempt = 0
        while True:
            response: httpx.Response | None = None
            request.extensions["timeout"] = _bounded(timeouts, policy.deadline_s - (policy.clock() - started))
            try:
                response = await self.inner.handle_async_request(request)
            except Exception as exc:
                delay = self._next_delay(exc, None, attempt, started, repeatable)
                if delay is None:
                    raise
                logger.info("retrying upstream call", extra={"attempt": attempt + 1, "error": type(exc).__name__})
            else:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                delay = self._next_delay(response.status_code, retry_after, attempt, started, repeatable)
                if delay is None:
                    return response
                await response.aclose()
                logger.info("retrying upstream call", extra={"attempt": attempt + 1, "status": response.status_code})
            await policy.sleep(delay)
            attempt += 1

    def _next_delay(
        self,
        outcome: BaseException | int,
        retry_after: float | None,
        attempt: int,
        started: float,
        repeatable: bool,
    ) -> float | None:
        policy = self.policy
        if not repeatable or classify(outcome) is not ErrorClass.RETRYABLE:
            return None
        delay = policy.delay(attempt + 1, retry_after_s=retry_after, elapsed_s=policy.clock() - started)
        if delay is None:
            return None
        if policy.budget is not None and not policy.budget.try_withdraw():
            logger.warning("retry budget exhausted: not retrying")
            return None
        return delay

    async def aclose(self) -> None:
        await self.inner.aclose()


def _bounded(timeouts: dict[str, float | None], remaining_s: float) -> dict[str, float | None]:
    """httpx's per-request timeouts (connect, read, write, pool), none above ``remaining_s``."""
    left = max(0.0, remaining_s)
    bounded: dict[str, float | None] = {}
    for phase in _PHASES:
        value = timeouts.get(phase)
        bounded[phase] = left if value is None else min(left, value)
    return bounded


#: The timeouts an httpx request carries in ``request.extensions["timeout"]``.
_PHASES = ("connect", "read", "write", "pool")
