"""Breaker state in Redis: one hash per breaker, every transition one Lua script.

All processes of the app share it, so they open and close together. The clock is the
caller's (``now`` is an argument), which keeps it injectable in tests; processes must
therefore share a wall clock (``time.time``), as NTP-synced hosts do.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from redis.asyncio import Redis

from reference_app.resilience.breaker_state import Admission, BreakerConfig, BreakerState, Outcome, Permit

#: An idle breaker's hash expires after this long (its state is long irrelevant by then).
STATE_TTL_MS = 24 * 3600 * 1000
_SCRIPT = resources.files("reference_app.resilience").joinpath("breaker.lua").read_text(encoding="utf-8")


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisBreakerStorage:
    """Example::

    storage = RedisBreakerStorage(redis, key_prefix="refapp:")   # key refapp:cb:{name}
    """

    def __init__(self, redis: Redis, *, key_prefix: str = "") -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self._script = redis.register_script(_SCRIPT)

    def key(self, name: str) -> str:
        return f"{self.key_prefix}cb:{name}"

    async def _run(self, name: str, op: str, now: float, config: BreakerConfig, *extra: str) -> list[Any]:
        args = [
            op,
            repr(now),
            str(config.window_size),
            str(config.minimum_calls),
            repr(config.failure_rate_threshold),
            repr(config.slow_call_s),
            repr(config.open_s),
            str(config.half_open_max_calls),
            repr(config.half_open_timeout_s),
            str(STATE_TTL_MS),
            *extra,
        ]
        result: list[Any] = await self._script(keys=[self.key(name)], args=args)
        return result

    async def acquire(self, name: str, now: float, config: BreakerConfig) -> Admission:
        admitted, state, retry_after, generation, trial = await self._run(name, "acquire", now, config)
        breaker_state = BreakerState(_decode(state))
        if not int(admitted):
            return Admission(False, breaker_state, float(_decode(retry_after)))
        return Admission(True, breaker_state, 0.0, Permit(int(generation), now, trial=bool(int(trial))))

    async def record(
        self, name: str, permit: Permit, outcome: Outcome, now: float, config: BreakerConfig
    ) -> BreakerState:
        extra = (str(permit.generation), repr(permit.started_at), outcome.value)
        result = await self._run(name, "record", now, config, *extra)
        return BreakerState(_decode(result[1]))

    async def state(self, name: str, now: float, config: BreakerConfig) -> BreakerState:
        result = await self._run(name, "state", now, config)
        return BreakerState(_decode(result[1]))
