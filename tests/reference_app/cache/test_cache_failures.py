"""Property 10: Redis unreachable or slow → values from the fetcher, errors counted, no raise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from reference_app.cache import PUBLIC_SCOPE, CacheAside, RedisCacheStorage

from .conftest import PrivateRedis, free_port


async def fetch_value() -> dict[str, str]:
    return {"from": "database"}


@pytest.fixture
async def unreachable_cache() -> AsyncIterator[CacheAside]:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    cache = CacheAside(RedisCacheStorage(client, owns_client=True), key_prefix="nowhere:")
    yield cache
    await cache.aclose()


@pytest.fixture
async def paused_cache(private_redis: PrivateRedis) -> AsyncIterator[tuple[CacheAside, PrivateRedis]]:
    client = Redis.from_url(private_redis.url)
    await client.flushdb()
    cache = CacheAside(RedisCacheStorage(client, owns_client=True), timeout_s=0.05)
    try:
        yield cache, private_redis
    finally:
        private_redis.resume()
        await cache.aclose()


async def test_unreachable_redis_serves_from_the_fetcher_and_counts_errors(unreachable_cache: CacheAside) -> None:
    cache = unreachable_cache
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 1})
    assert await cache.get_or_fetch(key, fetch_value, resource="incidents") == {"from": "database"}
    assert await cache.get(key) is None
    await cache.set(key, {"x": 1}, resource="incidents")
    await cache.invalidate("incidents")
    assert await cache.get_or_fetch(key, fetch_value, resource="incidents") == {"from": "database"}
    assert (cache.counters().hits, cache.counters().misses, cache.counters().errors) == (0, 0, 3)


async def test_slow_redis_serves_from_the_fetcher_then_recovers(
    paused_cache: tuple[CacheAside, PrivateRedis],
) -> None:
    cache, server = paused_cache
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 2})
    assert await cache.get_or_fetch(key, fetch_value, resource="incidents") == {"from": "database"}
    assert cache.counters().misses == 1

    server.pause()
    calls = 0

    async def counted_fetch() -> dict[str, str]:
        nonlocal calls
        calls += 1
        return {"from": "database"}

    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await cache.get_or_fetch(key, counted_fetch, resource="incidents") == {"from": "database"}
    assert loop.time() - started < 5  # bounded by the 50 ms timeout, not by the pause
    assert calls == 1
    assert cache.counters().errors == 1
    server.resume()

    # Redis is back: the value cached before the pause is a hit again.
    for _ in range(50):
        if await cache.get(key) is not None:
            break
        await asyncio.sleep(0.05)
    assert await cache.get_or_fetch(key, counted_fetch, resource="incidents") == {"from": "database"}
    assert calls == 1
    assert cache.counters().hits >= 2


async def test_an_invalidation_lost_during_an_outage_is_applied_when_redis_returns(
    paused_cache: tuple[CacheAside, PrivateRedis],
) -> None:
    cache, server = paused_cache
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 3})
    db = {"title": "old"}

    async def read() -> dict[str, str]:
        return dict(db)

    assert await cache.get_or_fetch(key, read, resource="incidents") == {"title": "old"}
    server.pause()
    db["title"] = "new"
    await cache.invalidate("incidents")  # times out: must not raise
    assert await cache.get_or_fetch(key, read, resource="incidents") == {"title": "new"}
    server.resume()
    for _ in range(50):  # the first lookups may still time out while the server catches up
        if await cache.get_or_fetch(key, read, resource="incidents") == {"title": "new"} and cache.counters().hits:
            break
        await asyncio.sleep(0.05)
    assert await cache.get_or_fetch(key, read, resource="incidents") == {"title": "new"}
    assert cache.counters().hits >= 1
