"""27 fails on circuit breakers with one rule broken (the reference breaker, mutated)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from properties.component.breaker import BuildBreaker, check_breaker_follows_the_model
from reference_app.resilience import (
    Admission,
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    CircuitBreakerTransport,
    CircuitOpenError,
    MemoryBreakerStorage,
    Outcome,
    Permit,
    build_breaker,
)
from reference_app.resilience.breaker_state import StateRecord


class NeverOpensStorage(MemoryBreakerStorage):
    """ "Fail safe": whenever the rules open the breaker, it starts over closed."""

    async def record(
        self, name: str, permit: Permit, outcome: Outcome, now: float, config: BreakerConfig
    ) -> BreakerState:
        state = await super().record(name, permit, outcome, now, config)
        if state is BreakerState.OPEN:
            self._records[name] = StateRecord()
            return BreakerState.CLOSED
        return state


class UnlimitedHalfOpenStorage(MemoryBreakerStorage):
    """Half-open admits every caller as a trial."""

    async def acquire(self, name: str, now: float, config: BreakerConfig) -> Admission:
        return await super().acquire(name, now, dataclasses.replace(config, half_open_max_calls=1_000_000))


class ProbingTransport(CircuitBreakerTransport):
    """When rejected, still "probes" the upstream with the caller's request before refusing."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        admission = await self.breaker.acquire()
        if not admission.admitted or admission.permit is None:
            await self.inner.handle_async_request(request)
            raise CircuitOpenError(self.breaker.name, admission.retry_after_s)
        response = await self.inner.handle_async_request(request)
        await self.breaker.record(admission.permit, Outcome.FAILURE if response.status_code >= 500 else
                                  Outcome.IGNORED if response.status_code >= 400 else Outcome.SUCCESS)  # fmt: skip
        return response


class ProbingBreaker(CircuitBreaker):
    def wrap(self, transport: httpx.AsyncBaseTransport) -> CircuitBreakerTransport:
        return ProbingTransport(transport, self)


def builder(make: Callable[[Any], CircuitBreaker]) -> BuildBreaker:
    def build(*, clock: Any) -> Any:
        return make(clock)

    return build


async def test_the_property_holds_on_the_reference_breaker() -> None:
    await check_breaker_follows_the_model(builder(lambda clock: build_breaker(clock=clock)))


@pytest.mark.mutant(27)
async def test_fails_when_the_breaker_never_opens() -> None:
    mutant = builder(lambda clock: CircuitBreaker("p27", NeverOpensStorage(), clock=clock))
    with pytest.raises(AssertionError, match=r"the breaker is 'closed', the model \(model state 'open'"):
        await check_breaker_follows_the_model(mutant)


@pytest.mark.mutant(27)
async def test_fails_when_half_open_admits_unlimited_trials() -> None:
    mutant = builder(lambda clock: CircuitBreaker("p27", UnlimitedHalfOpenStorage(), clock=clock))
    with pytest.raises(AssertionError, match=r"acquire was admitted, the model rejects it \(model state 'half_open'"):
        await check_breaker_follows_the_model(mutant)


@pytest.mark.mutant(27)
async def test_fails_when_the_open_period_is_too_short() -> None:
    short = BreakerConfig(open_s=5.0)
    mutant = builder(lambda clock: CircuitBreaker("p27", MemoryBreakerStorage(), config=short, clock=clock))
    with pytest.raises(
        AssertionError,
        match=r"acquire was admitted, the model rejects it|the breaker is 'half_open'|"
        r"an OPEN rejection said retry after 5\.0 s",
    ):
        await check_breaker_follows_the_model(mutant)


@pytest.mark.mutant(27)
async def test_fails_when_an_open_breaker_still_calls_the_upstream() -> None:
    mutant = builder(lambda clock: ProbingBreaker("p27", MemoryBreakerStorage(), clock=clock))
    with pytest.raises(AssertionError, match="let a call through to the upstream while the model rejects it"):
        await check_breaker_follows_the_model(mutant)
