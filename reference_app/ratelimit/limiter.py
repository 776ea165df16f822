"""The rate-limit policy: tiers, keys and the numbers clients see (spec "Rate limiting").

GCRA with emission interval T = window/limit and tolerance τ = T·burst: after a quiet
period ``burst`` requests pass at once, then one per T. Over any interval Δ, accepted ≤
burst + ⌈Δ·limit/window⌉, whatever the number of app processes (state only in Redis).
Rejected requests consume nothing. Keys: ``{prefix}rl:{tier}:{sha256(identity)}``.

    limiter = RateLimiter(RedisRateLimitStorage(redis), limits={"free": 100}, key_prefix="app:")
    decision = await limiter.hit("free", "user:42")
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

from reference_app.ratelimit.errors import UnknownTierError
from reference_app.ratelimit.storage import RateLimitStorage

#: Default window of every tier (spec: limits are per minute).
DEFAULT_WINDOW_S = 60
_MICROS = 1_000_000


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    tier: str
    limit: int
    window_s: int
    #: Requests that would pass right now after this one.
    remaining: int
    #: Seconds until the caller's quota is whole again.
    reset_s: int
    #: When rejected: seconds until one request will pass (≥ 1); 0 when allowed.
    retry_after_s: int


class RateLimiter:
    """GCRA over a :class:`RateLimitStorage`, one limit per tier."""

    def __init__(
        self,
        storage: RateLimitStorage,
        *,
        limits: Mapping[str, int],
        window_s: int = DEFAULT_WINDOW_S,
        burst: int | None = None,
        key_prefix: str = "",
    ) -> None:
        # GCRA spaces requests window/limit apart in whole microseconds: at least 1.
        bad = {tier: limit for tier, limit in limits.items() if not 1 <= limit <= window_s * _MICROS}
        if bad or window_s < 1 or (burst is not None and burst < 1):
            raise ValueError(
                "rate limits (1 to one per microsecond), window and burst must be >= 1, got "
                f"limits={dict(limits)}, window_s={window_s}, "
                f"burst={burst}. Example: RateLimiter(storage, limits={{'free': 100}}, window_s=60)"
            )
        self.storage = storage
        self.limits = dict(limits)
        self.window_s = window_s
        self.burst = burst
        self.key_prefix = key_prefix

    def limit(self, tier: str) -> int:
        try:
            return self.limits[tier]
        except KeyError:
            raise UnknownTierError(
                f"no rate limit for tier {tier!r}; known tiers: {', '.join(sorted(self.limits))}"
            ) from None

    def key(self, tier: str, identity: str) -> str:
        digest = hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.key_prefix}rl:{tier}:{digest}"

    async def hit(self, tier: str, identity: str) -> RateLimitDecision:
        """Count one request of ``identity`` in ``tier`` if the limit allows it."""
        limit = self.limit(tier)
        burst = self.burst if self.burst is not None else limit
        interval = self.window_s * _MICROS // limit
        tolerance = interval * burst
        step = await self.storage.step(self.key(tier, identity), interval_us=interval, tolerance_us=tolerance)
        backlog = max(0, step.tat_us - step.now_us)
        reset_s = math.ceil(backlog / _MICROS)
        if step.allowed:
            remaining = max(0, (tolerance - backlog) // interval)
            return RateLimitDecision(True, tier, limit, self.window_s, min(remaining, limit), reset_s, 0)
        wait = step.tat_us + interval - tolerance - step.now_us
        retry_after = max(1, math.ceil(wait / _MICROS))
        return RateLimitDecision(False, tier, limit, self.window_s, 0, reset_s, retry_after)
