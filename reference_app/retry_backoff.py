"""Retry with capped exponential backoff inside a time budget: start-up waits for dependencies.

>>> delays = backoff_delays(budget=30.0, initial=0.5, cap=8.0)   # 0.5, 1, 2, 4, 8, 8, 6.5
>>> retry_with_backoff(connect, transient=(OSError,), delays=delays)
>>> await aretry_with_backoff(ping, transient=(RedisConnectionError,), delays=delays)

Only ``transient`` errors are retried; anything else is raised at once. When the delays
are spent, :class:`RetriesExhausted` is raised, chained to the last transient error.
Used by the database wait (``reference_app.db.wait``) and the Redis wait in the lifespan
(``reference_app.redis_wait``). Not for request-time calls: those have their own
policies (``reference_app.resilience``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Told about each failed attempt before its delay: (attempt number, error, delay seconds).
OnRetry = Callable[[int, BaseException, float], object]


class RetriesExhausted(RuntimeError):
    """Every attempt failed with a transient error; ``__cause__`` is the last one."""

    def __init__(self, attempts: int, waited: float) -> None:
        super().__init__(f"gave up after {attempts} attempts over {waited:.1f} s")
        self.attempts = attempts
        self.waited = waited


def backoff_delays(budget: float, initial: float, cap: float) -> list[float]:
    """The waits between attempts: doubling from ``initial``, at most ``cap``, summing to ``budget``."""
    delays: list[float] = []
    remaining, delay = budget, initial
    while remaining > 1e-9:
        step = min(delay, cap, remaining)
        delays.append(step)
        remaining -= step
        delay *= 2
    return delays


def _ignore(_attempt: int, _error: BaseException, _delay: float) -> None:
    return None


def retry_with_backoff(
    action: Callable[[], T],
    *,
    transient: tuple[type[BaseException], ...],
    delays: Sequence[float],
    sleep: Callable[[float], object] = time.sleep,
    on_retry: OnRetry = _ignore,
) -> T:
    """``action()`` until it returns; up to ``len(delays) + 1`` attempts."""
    waited = 0.0
    for attempt in range(1, len(delays) + 2):
        try:
            return action()
        except transient as exc:
            if attempt > len(delays):
                raise RetriesExhausted(attempt, waited) from exc
            delay = delays[attempt - 1]
            on_retry(attempt, exc, delay)
            sleep(delay)
            waited += delay
    raise AssertionError("unreachable: the last attempt returns or raises")


async def aretry_with_backoff(
    action: Callable[[], Awaitable[T]],
    *,
    transient: tuple[type[BaseException], ...],
    delays: Sequence[float],
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: OnRetry = _ignore,
) -> T:
    """The asyncio twin of :func:`retry_with_backoff`: the event loop keeps running while it waits."""
    waited = 0.0
    for attempt in range(1, len(delays) + 2):
        try:
            return await action()
        except transient as exc:
            if attempt > len(delays):
                raise RetriesExhausted(attempt, waited) from exc
            delay = delays[attempt - 1]
            on_retry(attempt, exc, delay)
            await sleep(delay)
            waited += delay
    raise AssertionError("unreachable: the last attempt returns or raises")
