"""The circuit breaker (spec "Circuit breaker"; property 27) and its httpx transport.

``CircuitBreaker`` is the policy (thresholds, clock, what counts as a failure) over a
:class:`BreakerStorage` that holds the state; the rules themselves are in
:mod:`breaker_state`. Timeouts, connection errors and 5xx are failures; 4xx are not
recorded; everything else succeeds (unless slower than ``slow_call_s``).

If the storage fails (Redis down) the breaker fails open: the call goes ahead untracked,
and the failure is logged. A breaker that cannot remember must not take the upstream
down with it.

    breaker = CircuitBreaker("model-server", MemoryBreakerStorage())
    client = httpx.AsyncClient(transport=breaker.wrap(httpx.AsyncHTTPTransport()))
    # an open breaker raises CircuitOpenError from client.send(...)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import httpx

from reference_app.resilience.breaker_state import Admission, BreakerConfig, BreakerState, Outcome, Permit
from reference_app.resilience.breaker_storage import BreakerStorage
from reference_app.resilience.errors import CircuitOpenError

#: Availability gauge value per state (1 closed, 0.5 half-open, 0 open).
AVAILABILITY = {BreakerState.CLOSED: 1.0, BreakerState.HALF_OPEN: 0.5, BreakerState.OPEN: 0.0}
#: The permit of a call admitted while the storage was unreachable: recorded nowhere.
_UNTRACKED = -1

logger = logging.getLogger("reference_app.resilience.breaker")

StateListener = Callable[[BreakerState], None]


def outcome_of(result: httpx.Response | BaseException) -> Outcome:
    """5xx, timeouts and transport errors fail; 4xx are ignored; the rest succeed."""
    if isinstance(result, BaseException):
        if isinstance(result, httpx.TransportError | TimeoutError | ConnectionError):
            return Outcome.FAILURE
        return Outcome.IGNORED
    if result.status_code >= 500:
        return Outcome.FAILURE
    if result.status_code >= 400:
        return Outcome.IGNORED
    return Outcome.SUCCESS


class CircuitBreaker:
    """One named breaker; every instance with the same name and storage is the same breaker.

    ``clock`` is wall time by default so that processes sharing Redis agree; tests pass a
    controlled clock. ``on_state`` hears the state after every operation (for a gauge).
    """

    def __init__(
        self,
        name: str,
        storage: BreakerStorage,
        *,
        config: BreakerConfig | None = None,
        clock: Callable[[], float] = time.time,
        on_state: StateListener | None = None,
    ) -> None:
        self.name = name
        self.storage = storage
        self.config = config or BreakerConfig()
        self.clock = clock
        self.on_state = on_state

    def _notify(self, state: BreakerState) -> None:
        if self.on_state is not None:
            self.on_state(state)

    async def acquire(self) -> Admission:
        """Admit a call (returning its permit) or reject it with ``retry_after_s``."""
        now = self.clock()
        try:
            admission = await self.storage.acquire(self.name, now, self.config)
        except Exception:
            logger.warning("circuit breaker storage unavailable: admitting untracked", extra={"breaker": self.name})
            return Admission(True, BreakerState.CLOSED, 0.0, Permit(_UNTRACKED, now))
        self._notify(admission.state)
        return admission

    async def record(self, permit: Permit, outcome: Outcome | str) -> BreakerState | None:
        """Record how an admitted call ended; returns the state afterwards (None: unknown)."""
        if permit.generation == _UNTRACKED:
            return None
        try:
            state = await self.storage.record(self.name, permit, Outcome(outcome), self.clock(), self.config)
        except Exception:
            logger.warning("circuit breaker storage unavailable: outcome not recorded", extra={"breaker": self.name})
            return None
        self._notify(state)
        return state

    async def state(self) -> BreakerState:
        state = await self.storage.state(self.name, self.clock(), self.config)
        self._notify(state)
        return state

    def wrap(self, transport: httpx.AsyncBaseTransport) -> CircuitBreakerTransport:
        return CircuitBreakerTransport(transport, self)


class CircuitBreakerTransport(httpx.AsyncBaseTransport):
    """Calls ``inner`` only when ``breaker`` admits it; raises :class:`CircuitOpenError` otherwise."""

    def __init__(self, inner: httpx.AsyncBaseTransport, breaker: CircuitBreaker) -> None:
        self.inner = inner
        self.breaker = breaker

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        admission = await self.breaker.acquire()
        if not admission.admitted or admission.permit is None:
            raise CircuitOpenError(self.breaker.name, admission.retry_after_s)
        permit = admission.permit
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as exc:
            # Cancellation is not the upstream's fault: it only frees a trial slot.
            await self.breaker.record(permit, outcome_of(exc) if isinstance(exc, Exception) else Outcome.IGNORED)
            raise
        await self.breaker.record(permit, outcome_of(response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
