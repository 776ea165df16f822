"""Cache-aside over Redis (reference-app.md "Caching").

``CacheAside`` is the policy; ``RedisCacheStorage`` and ``MemoryCacheStorage`` implement
its ``CacheStorage`` protocol. ``build`` is the factory the harness calls by default
(``[components] cache = "reference_app.cache:build"``).
"""

from __future__ import annotations

from redis.asyncio import Redis

from reference_app.cache.cache_aside import DEFAULT_TIMEOUT_S, CacheAside
from reference_app.cache.counters import CacheCounters, ResultHook
from reference_app.cache.errors import CacheError, CacheValueError, InvalidCacheKeyError
from reference_app.cache.keys import PUBLIC_SCOPE, CacheKeys, user_scope
from reference_app.cache.memory_storage import MemoryCacheStorage
from reference_app.cache.redis_storage import RedisCacheStorage
from reference_app.cache.storage import CacheStorage
from reference_app.cache.ttl import DEFAULT_JITTER, DEFAULT_TTL_S

__all__ = [
    "PUBLIC_SCOPE",
    "CacheAside",
    "CacheCounters",
    "CacheError",
    "CacheKeys",
    "CacheStorage",
    "CacheValueError",
    "InvalidCacheKeyError",
    "MemoryCacheStorage",
    "RedisCacheStorage",
    "build",
    "user_scope",
]


def build(
    *,
    redis: Redis | None = None,
    redis_url: str | None = None,
    key_prefix: str = "",
    schema_version: int = 1,
    ttl_s: float = DEFAULT_TTL_S,
    jitter: float = DEFAULT_JITTER,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_result: ResultHook | None = None,
) -> CacheAside:
    """A Redis-backed cache from a client (not closed by ``aclose``) or a URL (closed).

    >>> cache = build(redis_url="redis://127.0.0.1:6379/0", key_prefix="test:")
    """
    if redis is None:
        if redis_url is None:
            raise CacheError("build() needs redis= or redis_url=. Example: build(redis_url='redis://127.0.0.1:6379/0')")
        storage = RedisCacheStorage(Redis.from_url(redis_url), owns_client=True)
    else:
        storage = RedisCacheStorage(redis)
    return CacheAside(
        storage,
        key_prefix=key_prefix,
        schema_version=schema_version,
        ttl_s=ttl_s,
        jitter=jitter,
        timeout_s=timeout_s,
        on_result=on_result,
    )
