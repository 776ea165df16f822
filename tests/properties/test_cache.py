"""6, 7, 8, 11, 22 fail on caches with one rule broken (the reference cache, mutated)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest
from redis.asyncio import Redis

from properties.component.cache import (
    check_hit_returns_cached_value,
    check_key_namespacing,
    check_lookup_counters,
    check_miss_fetches_and_populates,
    check_ttls,
)
from reference_app.cache import PUBLIC_SCOPE, CacheAside, RedisCacheStorage

T = TypeVar("T")


class NoExpiryStorage(RedisCacheStorage):
    """Writes entries, then drops their TTL (PERSIST): the keys live forever."""

    async def write(self, key: str, encoded: bytes, **options: Any) -> bool:
        written = await super().write(key, encoded, **options)
        await self._redis.persist(key)
        return written


class TruncatingCache(CacheAside):
    """Stores at most 1,000 characters of a string: large values come back cut."""

    async def set(self, key: str, value: Any, *, resource: str) -> None:
        await super().set(key, _truncated(value), resource=resource)


def _truncated(value: Any) -> Any:
    if isinstance(value, str):
        return value[:1000]
    if isinstance(value, list):
        return [_truncated(v) for v in value]
    if isinstance(value, dict):
        return {k: _truncated(v) for k, v in value.items()}
    return value


class FetchOnHitCache(CacheAside):
    """Calls the fetcher on every lookup ("to warm it"), hit or not."""

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]], *, resource: str) -> T:
        await fetch()
        return await super().get_or_fetch(key, fetch, resource=resource)


class NoFlights:
    """A SingleFlight that shares nothing: every caller runs its own fetch."""

    async def do(self, key: str, group: str, work: Callable[[], Awaitable[Any]]) -> Any:
        return await work()

    def forget(self, group: str) -> None:
        pass


class NoSingleFlightCache(CacheAside):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._flights = NoFlights()  # type: ignore[assignment]


class NoFillCache(CacheAside):
    """Returns the fetched value but never stores it."""

    async def _fill(self, *args: Any) -> None:
        return None


class ScopelessKeysCache(CacheAside):
    """Builds keys without the scope: every user shares one entry."""

    def make_key(self, resource: str, scope: str, params: Any) -> str:
        return super().make_key(resource, PUBLIC_SCOPE, params)


class InvalidateEverythingCache(CacheAside):
    """Invalidating one resource deletes every entry under the prefix."""

    def __init__(self, storage: RedisCacheStorage, *, key_prefix: str, **kwargs: Any) -> None:
        super().__init__(storage, key_prefix=key_prefix, **kwargs)
        self._redis = storage._redis
        self._prefix = key_prefix

    async def invalidate(self, resource: str) -> None:
        await super().invalidate(resource)
        keys = [key async for key in self._redis.scan_iter(match=f"{self._prefix}*", count=1000)]
        if keys:
            await self._redis.delete(*keys)


class DoubleReadCache(CacheAside):
    """``get`` reads twice (a retry left in): one lookup counts as two."""

    async def get(self, key: str) -> Any | None:
        await super().get(key)
        return await super().get(key)


@pytest.fixture
def prefix(redis_key_prefix: str) -> str:
    return f"{redis_key_prefix}mutant-cache:{secrets.token_hex(4)}:"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def make(cls: type[CacheAside], redis: Redis, prefix: str, storage: type[RedisCacheStorage] = RedisCacheStorage) -> Any:
    return cls(storage(redis), key_prefix=prefix, timeout_s=1.0)


async def test_the_properties_hold_on_the_reference_cache(redis: Redis, prefix: str) -> None:
    cache = make(CacheAside, redis, prefix)
    await check_ttls(cache, redis, prefix)
    await check_hit_returns_cached_value(cache)
    await check_miss_fetches_and_populates(cache, redis)
    await check_key_namespacing(cache, prefix, 1)
    await check_lookup_counters(cache)


@pytest.mark.mutant(6)
async def test_ttl_fails_when_entries_never_expire(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"PTTL -1 ms \(-1: no expiry\)"):
        await check_ttls(make(CacheAside, redis, prefix, NoExpiryStorage), redis, prefix)


@pytest.mark.mutant(7)
async def test_hit_fails_when_large_values_come_back_cut(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="get after set returned a different value"):
        await check_hit_returns_cached_value(make(TruncatingCache, redis, prefix))


@pytest.mark.mutant(7)
async def test_hit_fails_when_a_hit_calls_the_fetcher(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="get_or_fetch on a hit called the fetcher 1 time"):
        await check_hit_returns_cached_value(make(FetchOnHitCache, redis, prefix))


@pytest.mark.mutant(8)
async def test_miss_fails_without_single_flight(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"called the fetcher 20 times \(no single flight\)"):
        await check_miss_fetches_and_populates(make(NoSingleFlightCache, redis, prefix), redis)


@pytest.mark.mutant(8)
async def test_miss_fails_when_the_fetched_value_is_not_stored(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="the fetched value was not stored with a TTL"):
        await check_miss_fetches_and_populates(make(NoFillCache, redis, prefix), redis)


@pytest.mark.mutant(11)
async def test_namespacing_fails_when_keys_ignore_the_scope(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="different inputs share the key"):
        await check_key_namespacing(make(ScopelessKeysCache, redis, prefix), prefix, 1)


@pytest.mark.mutant(11)
async def test_namespacing_fails_when_invalidation_clears_other_resources(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"invalidating .* removed"):
        await check_key_namespacing(make(InvalidateEverythingCache, redis, prefix), prefix, 1)


@pytest.mark.mutant(22)
async def test_counters_fail_when_a_lookup_counts_twice(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"counters \(hits, misses, errors\) moved by"):
        await check_lookup_counters(make(DoubleReadCache, redis, prefix))
