"""E1 (component): several RateLimiter instances sharing one Redis hold one limit together.

Each instance is built with a Redis client of its own (its own connections), as each app
process would be. Hypothesis draws the tiers and their limits, the burst, the number of
instances and, per tier, how many hits one client sends; all hits of an example run
concurrently, spread round-robin over the instances. With a fresh identity per example:

- accepted ≤ burst + ⌈Δ·limit/window⌉, Δ measured from the first send to the last
  answer (the Protocol's GCRA bound; the window is an hour, so the term is ≤ 1 here);
- accepted ≥ min(hits, burst): a quota that is there is granted, which is also what
  makes limits differ per tier (a limiter using one tier's limit for all fails here);
- every outcome names its tier's limit and the window; every rejection has
  ``retry_after_s ≥ 1`` and ``remaining == 0``.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import secrets
import time
from collections.abc import Callable

from hypothesis import strategies as st
from redis.asyncio import Redis

from gauntlet.components.protocols import RateLimiter
from properties.component.cache import run_given

#: The window of every tier in the property: long, so refills during an example are ≤ 1.
WINDOW_S = 3600
#: Instances at most (each is one app process's view of the shared limiter).
MAX_INSTANCES = 4

#: Builds one limiter: ``make_limiter(redis=..., key_prefix=..., limits=..., window_s=..., burst=...)``.
MakeLimiter = Callable[..., RateLimiter]

_unique = itertools.count()

tier_names = st.sampled_from(["free", "premium", "enterprise", "partner"])
tier_limits = st.dictionaries(tier_names, st.integers(1, 12), min_size=1, max_size=3)
bursts = st.none() | st.integers(1, 6)


async def check_distributed_limit(make_limiter: MakeLimiter, redis_url: str, key_prefix: str) -> None:
    """E1: concurrent hits through several instances never exceed the tier's bound."""

    async def limits_hold_across_instances(
        limits: dict[str, int], burst: int | None, instances: int, extra: dict[str, int]
    ) -> None:
        prefix = f"{key_prefix}{next(_unique)}:"
        clients = [Redis.from_url(redis_url) for _ in range(instances)]
        try:
            limiters = [
                make_limiter(redis=client, key_prefix=prefix, limits=limits, window_s=WINDOW_S, burst=burst)
                for client in clients
            ]
            identity = f"client-{secrets.token_hex(4)}"
            # Each tier gets its burst's worth of hits plus a few more (0: exactly the quota).
            plan = [(tier, (burst or limit) + extra.get(tier, 0)) for tier, limit in sorted(limits.items())]
            hits = [(tier, n) for tier, count in plan for n in range(count)]
            started = time.monotonic()
            outcomes = await asyncio.gather(*(limiters[n % instances].hit(tier, identity) for tier, n in hits))
            elapsed = time.monotonic() - started
        finally:
            for client in clients:
                await client.aclose()
        for tier, count in plan:
            limit = limits[tier]
            effective_burst = burst if burst is not None else limit
            mine = [outcome for (hit_tier, _), outcome in zip(hits, outcomes, strict=True) if hit_tier == tier]
            accepted = sum(outcome.allowed for outcome in mine)
            bound = effective_burst + math.ceil(elapsed * limit / WINDOW_S)
            where = (
                f"tier {tier!r} (limit {limit}/{WINDOW_S} s, burst {effective_burst}), "
                f"{count} concurrent hits over {instances} instances"
            )
            assert limiters[0].limit(tier) == limit, f"limit({tier!r}) is {limiters[0].limit(tier)}: {where}"
            assert accepted <= bound, f"{accepted} hits accepted, more than the bound {bound}: {where}"
            assert accepted >= min(count, effective_burst), (
                f"only {accepted} of {count} hits accepted, below the quota {min(count, effective_burst)}: {where}"
            )
            for outcome in mine:
                assert (outcome.limit, outcome.window_s) == (limit, WINDOW_S), (
                    f"an outcome says limit {outcome.limit}/{outcome.window_s} s: {where}"
                )
                if not outcome.allowed:
                    assert outcome.retry_after_s >= 1 and outcome.remaining == 0, (
                        f"a rejection says retry_after_s={outcome.retry_after_s}, remaining={outcome.remaining}: "
                        f"{where}"
                    )

    await run_given(
        limits_hold_across_instances,
        limits=tier_limits,
        burst=bursts,
        instances=st.integers(2, MAX_INSTANCES),
        extra=st.dictionaries(tier_names, st.integers(0, 6)),
    )
