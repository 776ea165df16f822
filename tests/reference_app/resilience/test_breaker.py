"""CircuitBreaker and its transport, scenario by scenario, on both storages."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis

from reference_app.resilience import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    RedisBreakerStorage,
    build_breaker,
)

SPEC = BreakerConfig()


async def fail(breaker: CircuitBreaker, times: int, outcome: str = "failure") -> None:
    for _ in range(times):
        admission = await breaker.acquire()
        assert admission.admitted
        await breaker.record(admission.permit, outcome)


async def open_breaker(breaker: CircuitBreaker) -> None:
    await fail(breaker, SPEC.minimum_calls)
    assert await breaker.state() is BreakerState.OPEN


async def test_opens_at_half_failures_once_the_minimum_calls_are_in(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await fail(breaker, 5, "success")
    await fail(breaker, 4)
    assert await breaker.state() is BreakerState.CLOSED  # 9 calls < minimum 10
    await fail(breaker, 1)
    assert await breaker.state() is BreakerState.OPEN  # 5/10 = 50%


async def test_the_window_counts_only_the_last_20_calls(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await fail(breaker, 20, "success")
    await fail(breaker, 9)
    assert await breaker.state() is BreakerState.CLOSED  # 9/20 < 50%
    await fail(breaker, 1)
    assert await breaker.state() is BreakerState.OPEN  # 10/20; over all 30 calls it would be 1/3


async def test_4xx_are_not_recorded_and_slow_successes_are_failures(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await fail(breaker, 30, "ignored")
    assert await breaker.state() is BreakerState.CLOSED
    for _ in range(SPEC.minimum_calls):
        admission = await breaker.acquire()
        clock.advance(SPEC.slow_call_s)
        await breaker.record(admission.permit, "success")
    assert await breaker.state() is BreakerState.OPEN


async def test_open_rejects_until_30_s_then_half_open_admits_three(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await open_breaker(breaker)
    clock.advance(12)
    rejected = await breaker.acquire()
    assert not rejected.admitted and rejected.retry_after_s == pytest.approx(18)
    clock.advance(18)
    trials = [await breaker.acquire() for _ in range(3)]
    assert all(t.admitted and t.state is BreakerState.HALF_OPEN for t in trials)
    assert not (await breaker.acquire()).admitted
    await breaker.record(trials[0].permit, "success")
    assert await breaker.state() is BreakerState.CLOSED
    # Trials of the finished episode record nothing in the new one.
    await breaker.record(trials[1].permit, "failure")
    assert await breaker.state() is BreakerState.CLOSED


async def test_a_failed_trial_reopens_for_another_30_s(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await open_breaker(breaker)
    clock.advance(30)
    trial = await breaker.acquire()
    await breaker.record(trial.permit, "failure")
    assert await breaker.state() is BreakerState.OPEN
    assert (await breaker.acquire()).retry_after_s == pytest.approx(30)


async def test_half_open_without_completion_in_10_s_reopens(breaker_storage, clock):
    breaker = CircuitBreaker("b", breaker_storage, clock=clock)
    await open_breaker(breaker)
    clock.advance(30)
    await breaker.acquire()
    clock.advance(9.9)
    assert await breaker.state() is BreakerState.HALF_OPEN
    clock.advance(0.1)
    assert await breaker.state() is BreakerState.OPEN
    assert (await breaker.acquire()).retry_after_s == pytest.approx(30)


async def test_a_new_instance_over_the_same_storage_is_the_same_breaker(breaker_storage, clock):
    await open_breaker(CircuitBreaker("b", breaker_storage, clock=clock))
    assert await CircuitBreaker("b", breaker_storage, clock=clock).state() is BreakerState.OPEN
    assert await CircuitBreaker("other", breaker_storage, clock=clock).state() is BreakerState.CLOSED


async def test_the_transport_counts_5xx_and_errors_and_rejects_without_calling(clock):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503 if len(calls) <= 5 else 404)

    breaker = build_breaker(clock=clock)
    async with httpx.AsyncClient(transport=breaker.wrap(httpx.MockTransport(handler))) as client:
        for _ in range(5):
            assert (await client.get("http://upstream/")).status_code == 503
        for _ in range(20):  # 4xx: not recorded, never opens
            assert (await client.get("http://upstream/")).status_code == 404
        assert await breaker.state() is BreakerState.CLOSED

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectTimeout("timeout")

    async with httpx.AsyncClient(transport=breaker.wrap(httpx.MockTransport(down))) as client:
        for _ in range(5):
            with pytest.raises(httpx.ConnectTimeout):
                await client.get("http://upstream/")
        assert await breaker.state() is BreakerState.OPEN
        before = len(calls)
        with pytest.raises(CircuitOpenError) as refused:
            await client.get("http://upstream/")
        assert len(calls) == before and refused.value.retry_after_s == pytest.approx(30)


async def test_storage_down_fails_open_untracked(clock):
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    breaker = CircuitBreaker("b", RedisBreakerStorage(dead), clock=clock)
    try:
        for _ in range(15):
            admission = await breaker.acquire()
            assert admission.admitted
            assert await breaker.record(admission.permit, "failure") is None
    finally:
        await dead.aclose()
