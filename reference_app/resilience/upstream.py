"""The model server client: breaker(retry(httpx transport)), outcome metrics, error mapping.

One logical call = one breaker record (the breaker sees the outcome after retries) and
one observation of ``model_server_request_duration_seconds{outcome}``. Failures leave as
:class:`UpstreamError` subclasses the API turns into 502/503/504 problem+json.

    client = ModelServerClient(base_url="http://127.0.0.1:8001", breaker=breaker, retry=RetryPolicy())
    draft = await client.draft(title="DB down", description="...", correlation_id="abc")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from reference_app.resilience.breaker import AVAILABILITY, CircuitBreaker
from reference_app.resilience.breaker_state import BreakerState
from reference_app.resilience.errors import (
    BadUpstreamError,
    CircuitOpenError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from reference_app.resilience.retry import RetryPolicy, retry_after_seconds

DRAFT_PATH = "/v1/draft"
#: Seconds one attempt may take when the caller names no timeout.
DEFAULT_TIMEOUT_S = 5.0


class UpstreamObserver(Protocol):
    """Where call outcomes go (``HttpMetrics`` satisfies it)."""

    def observe_upstream(self, outcome: str, seconds: float) -> None: ...

    def set_upstream_availability(self, value: float) -> None: ...


@dataclass(frozen=True)
class Draft:
    summary: str
    model: str


class ModelServerClient:
    """Calls ``POST /v1/draft`` on the model server through the breaker and retries."""

    def __init__(
        self,
        *,
        base_url: str,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        observer: UpstreamObserver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.breaker = breaker
        self.observer = observer
        self.clock = clock
        if observer is not None:
            breaker.on_state = lambda state: observer.set_upstream_availability(AVAILABILITY[state])
        inner = transport if transport is not None else httpx.AsyncHTTPTransport()
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout_s,
            transport=breaker.wrap(retry.wrap(inner)),
            follow_redirects=False,
        )

    async def draft(self, *, title: str, description: str, correlation_id: str | None, idempotency_key: str) -> Draft:
        """The model's draft; raises BadUpstreamError, UpstreamTimeoutError or UpstreamUnavailableError.

        ``idempotency_key`` marks the call as safe to retry (drafting has no side effects).
        """
        headers = {"Idempotency-Key": idempotency_key}
        if correlation_id:
            headers["X-Request-ID"] = correlation_id
        started = self.clock()
        outcome = "error"
        try:
            try:
                response = await self._http.post(
                    DRAFT_PATH, json={"title": title, "description": description}, headers=headers
                )
            except CircuitOpenError as exc:
                outcome = "circuit_open"
                raise UpstreamUnavailableError(exc.retry_after_s) from None
            except httpx.TimeoutException:
                outcome = "timeout"
                raise UpstreamTimeoutError("the model server did not answer in time") from None
            except httpx.HTTPError:
                raise BadUpstreamError("the model server could not be reached") from None
            draft = _parse(response)
            outcome = "success"
            return draft
        finally:
            if self.observer is not None:
                self.observer.observe_upstream(outcome, self.clock() - started)

    async def state(self) -> BreakerState:
        return await self.breaker.state()

    async def aclose(self) -> None:
        await self._http.aclose()


#: Answers by which the upstream says "not now"; with a Retry-After they mean "unavailable".
_UNAVAILABLE_STATUSES = frozenset({429, 503})


def _parse(response: httpx.Response) -> Draft:
    if response.status_code in _UNAVAILABLE_STATUSES:
        # Still refused after retries, or its Retry-After was beyond what retries wait: pass
        # the wait on (503 + Retry-After) rather than a 502 that hides when to come back.
        wait = retry_after_seconds(response.headers.get("retry-after"))
        if wait is not None and wait > 0:
            raise UpstreamUnavailableError(wait)
    if response.status_code != 200:
        raise BadUpstreamError(f"the model server answered {response.status_code}")
    try:
        body: Any = response.json()
    except ValueError:
        raise BadUpstreamError("the model server answered malformed JSON") from None
    summary = body.get("summary") if isinstance(body, dict) else None
    model = body.get("model", "unknown") if isinstance(body, dict) else None
    if not isinstance(summary, str) or not isinstance(model, str):
        raise BadUpstreamError("the model server's answer has no summary")
    return Draft(summary=summary, model=model)
