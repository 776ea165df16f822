"""Resilience of upstream calls: retries, a retry budget, a circuit breaker, the model client.

Calls to the model server go through ``CircuitBreaker.wrap(RetryPolicy.wrap(transport))``
(reference-app.md "Retries" and "Circuit breaker"; properties 23, 25-27, 29).
``build_breaker``, ``build_retry_policy`` and ``build_upstream_client`` are the factories the
harness calls by default
(``[components] breaker = "reference_app.resilience:build_breaker"``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx
from redis.asyncio import Redis

from reference_app.resilience.breaker import AVAILABILITY, CircuitBreaker, CircuitBreakerTransport, outcome_of
from reference_app.resilience.breaker_redis import RedisBreakerStorage
from reference_app.resilience.breaker_state import Admission, BreakerConfig, BreakerState, Outcome, Permit
from reference_app.resilience.breaker_storage import BreakerStorage, MemoryBreakerStorage
from reference_app.resilience.budget import RetryBudget
from reference_app.resilience.classify import RETRYABLE_STATUSES, ErrorClass, classify, is_retryable
from reference_app.resilience.errors import (
    BadUpstreamError,
    CircuitOpenError,
    ResilienceError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from reference_app.resilience.observed import ObservedModelClient, build_upstream_client
from reference_app.resilience.retry import RetryPolicy, RetryTransport, retry_after_seconds
from reference_app.resilience.upstream import Draft, ModelServerClient, UpstreamObserver
from reference_app.settings import Settings

__all__ = [
    "AVAILABILITY",
    "RETRYABLE_STATUSES",
    "Admission",
    "BadUpstreamError",
    "BreakerConfig",
    "BreakerState",
    "BreakerStorage",
    "CircuitBreaker",
    "CircuitBreakerTransport",
    "CircuitOpenError",
    "Draft",
    "ErrorClass",
    "MemoryBreakerStorage",
    "ModelServerClient",
    "ObservedModelClient",
    "Outcome",
    "Permit",
    "RedisBreakerStorage",
    "ResilienceError",
    "RetryBudget",
    "RetryPolicy",
    "RetryTransport",
    "UpstreamError",
    "UpstreamObserver",
    "UpstreamTimeoutError",
    "UpstreamUnavailableError",
    "build_breaker",
    "build_retry_policy",
    "build_upstream_client",
    "classify",
    "is_retryable",
    "model_client_for",
    "outcome_of",
    "retry_after_seconds",
]

#: Name of the model server's breaker (its Redis hash is ``{prefix}cb:model-server``).
MODEL_SERVER_BREAKER = "model-server"


def build_breaker(
    *,
    name: str = MODEL_SERVER_BREAKER,
    clock: Callable[[], float] = time.time,
    storage: BreakerStorage | None = None,
    redis: Redis | None = None,
    key_prefix: str = "",
    config: BreakerConfig | None = None,
) -> CircuitBreaker:
    """A breaker over ``storage``, else Redis (``redis=``), else a new in-memory storage.

    >>> breaker = build_breaker(clock=fake_clock)          # in memory, spec defaults
    >>> shared = build_breaker(redis=client, key_prefix="test:")
    """
    if storage is None:
        storage = RedisBreakerStorage(redis, key_prefix=key_prefix) if redis is not None else MemoryBreakerStorage()
    return CircuitBreaker(name, storage, config=config, clock=clock)


def build_retry_policy(
    *,
    random: Callable[[], float] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] | None = None,
    budget: RetryBudget | None = None,
    max_attempts: int = 3,
    base_s: float = 0.1,
    cap_s: float = 10.0,
    deadline_s: float = 30.0,
) -> RetryPolicy:
    """A retry policy with the spec defaults; pass ``random``/``sleep``/``clock`` to control it.

    >>> policy = build_retry_policy(random=lambda: 0.5, sleep=record_sleep, clock=lambda: 0.0)
    """
    policy = RetryPolicy(max_attempts=max_attempts, base_s=base_s, cap_s=cap_s, deadline_s=deadline_s, budget=budget)
    if random is not None:
        policy.random = random
    if sleep is not None:
        policy.sleep = sleep
    if clock is not None:
        policy.clock = clock
    return policy


def model_client_for(
    settings: Settings,
    redis: Redis,
    *,
    observer: UpstreamObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ModelServerClient:
    """The app's model server client, configured from ``settings.model_server``.

    One instance per app (one per process), so its retry budget is process-wide.
    """
    server = settings.model_server
    retry_settings, breaker_settings = server.retry, server.breaker
    budget = RetryBudget(
        ratio=retry_settings.budget_ratio,
        floor_per_second=retry_settings.budget_floor_per_second,
        capacity=retry_settings.budget_capacity,
    )
    retry = RetryPolicy(
        max_attempts=retry_settings.max_attempts,
        base_s=retry_settings.base_seconds,
        cap_s=retry_settings.cap_seconds,
        deadline_s=retry_settings.deadline_seconds,
        budget=budget,
    )
    config = BreakerConfig(
        window_size=breaker_settings.window_size,
        minimum_calls=breaker_settings.minimum_calls,
        failure_rate_threshold=breaker_settings.failure_rate_threshold,
        slow_call_s=breaker_settings.slow_call_seconds,
        open_s=breaker_settings.open_seconds,
        half_open_max_calls=breaker_settings.half_open_max_calls,
        half_open_timeout_s=breaker_settings.half_open_timeout_seconds,
    )
    storage: BreakerStorage = (
        RedisBreakerStorage(redis, key_prefix=settings.redis_key_prefix)
        if breaker_settings.storage == "redis"
        else MemoryBreakerStorage()
    )
    breaker = CircuitBreaker(MODEL_SERVER_BREAKER, storage, config=config)
    return ModelServerClient(
        base_url=server.url,
        breaker=breaker,
        retry=retry,
        timeout_s=server.timeout_seconds,
        observer=observer,
        transport=transport,
    )
