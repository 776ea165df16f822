"""Start-up wait for Redis: PING with capped exponential backoff, bounded, never fatal.

>>> await wait_for_redis(redis, budget=10.0)   # True once PING answers; False after ~10 s

Redis is not a required dependency (spec "Health": Redis down → readiness 200 ``warn``;
cache reads fall back to the database, the rate limiter fails open), so when the budget
is spent the app starts anyway, degraded. The client reconnects by itself on a later
command: once Redis is up the app uses it again without a restart. Waiting first only
spares the first requests after a joint start (compose, k8s) the degraded path.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from reference_app.retry_backoff import RetriesExhausted, aretry_with_backoff, backoff_delays

logger = logging.getLogger("reference_app.redis")

#: Errors meaning "Redis is not reachable (yet)": refused, reset, timed out, still loading.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
#: Seconds before the second PING; each later delay doubles, up to MAX_DELAY_SECONDS.
INITIAL_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 2.0


def _log_retry(attempt: int, exc: BaseException, delay: float) -> None:
    # The type only: a connection error's text may hold the URL (and its password).
    logger.warning("redis not reachable (attempt %d, %s): retrying in %.2f s", attempt, type(exc).__name__, delay)


async def wait_for_redis(redis: Redis, *, budget: float) -> bool:
    """Whether Redis answered PING within ``budget`` seconds of backoff (0: one attempt)."""
    delays = backoff_delays(budget, INITIAL_DELAY_SECONDS, MAX_DELAY_SECONDS)
    try:
        await aretry_with_backoff(redis.ping, transient=TRANSIENT_ERRORS, delays=delays, on_retry=_log_retry)
    except RetriesExhausted as exhausted:
        logger.warning(
            "redis still unreachable after %d attempts over %.1f s: starting degraded "
            "(cache and rate limits fall back; the client reconnects once Redis answers)",
            exhausted.attempts,
            exhausted.waited,
        )
        return False
    return True
