"""Where GCRA state lives: a Protocol, the Redis implementation (one Lua script using
Redis ``TIME``, so every app process shares one clock), and an in-memory one for tests.

A storage does one atomic GCRA step and reports raw times; :class:`RateLimiter` turns them
into a decision. Times are integer microseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

from redis.asyncio import Redis

_SCRIPT = resources.files("reference_app.ratelimit").joinpath("gcra.lua").read_text(encoding="utf-8")


@dataclass(frozen=True)
class GcraStep:
    allowed: bool
    #: Theoretical arrival time after the step (unchanged when rejected).
    tat_us: int
    now_us: int


class RateLimitStorage(Protocol):
    async def step(self, key: str, *, interval_us: int, tolerance_us: int) -> GcraStep:
        """Admit one request at ``key`` if ``tat + interval - tolerance <= now``; consume nothing otherwise."""
        ...


def gcra_step(tat_us: int | None, now_us: int, interval_us: int, tolerance_us: int) -> tuple[bool, int]:
    """The rule both storages apply: (allowed, TAT afterwards)."""
    tat = max(tat_us if tat_us is not None else now_us, now_us)
    new_tat = tat + interval_us
    if new_tat - tolerance_us > now_us:
        return False, tat
    return True, new_tat


class RedisRateLimitStorage:
    """Example::

    storage = RedisRateLimitStorage(redis)
    """

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._script = redis.register_script(_SCRIPT)

    async def step(self, key: str, *, interval_us: int, tolerance_us: int) -> GcraStep:
        result: list[Any] = await self._script(keys=[key], args=[interval_us, tolerance_us])
        allowed, tat, now = (int(value) for value in result)
        return GcraStep(bool(allowed), tat, now)


class MemoryRateLimitStorage:
    """This process only; ``clock`` (seconds) is injectable. Expired keys are dropped lazily."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._tats: dict[str, int] = {}

    async def step(self, key: str, *, interval_us: int, tolerance_us: int) -> GcraStep:
        now = int(self.clock() * 1_000_000)
        allowed, tat = gcra_step(self._tats.get(key), now, interval_us, tolerance_us)
        if allowed:
            self._tats[key] = tat
        return GcraStep(allowed, tat, now)
