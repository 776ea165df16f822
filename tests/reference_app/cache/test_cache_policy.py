"""The cache-aside policy over the in-memory storage: timing, failures and keys, no Redis."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.cache import (
    PUBLIC_SCOPE,
    CacheAside,
    CacheKeys,
    InvalidCacheKeyError,
    MemoryCacheStorage,
    user_scope,
)
from reference_app.cache.ttl import JitteredTtl


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyStorage(MemoryCacheStorage):
    """Fails (``mode="error"``) or hangs (``mode="slow"``) on demand."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.mode = "ok"

    async def _trouble(self) -> None:
        if self.mode == "error":
            raise ConnectionError("refused")
        if self.mode == "slow":
            await asyncio.sleep(10)

    async def read(self, key: str, generation_key: str) -> tuple[bytes | None, str | None]:
        await self._trouble()
        return await super().read(key, generation_key)

    async def write(self, key: str, value: bytes, **options: Any) -> bool:
        await self._trouble()
        return await super().write(key, value, **options)

    async def invalidate(self, **options: Any) -> None:
        await self._trouble()
        await super().invalidate(**options)


async def constant() -> str:
    return "fetched"


@given(r=st.floats(0, 1, exclude_max=True), base=st.floats(0.01, 3600), jitter=st.floats(0, 0.99))
def test_jittered_ttls_stay_in_the_band_and_under_the_ceiling(r: float, base: float, jitter: float) -> None:
    ttl = JitteredTtl(base, jitter, random=lambda: r)
    drawn = ttl()
    assert 1 <= drawn <= ttl.max_ms
    assert ttl.max_ms <= base * 1000 * (1 + jitter) + 1e-6
    assert drawn >= min(ttl.max_ms, base * 1000 * (1 - jitter)) - 1


async def test_entries_expire_and_never_outlive_the_ceiling() -> None:
    clock = Clock()
    storage = MemoryCacheStorage(clock=clock)
    cache = CacheAside(storage, clock=clock, random=lambda: 0.999)
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    await cache.set(key, 1, resource="r")
    await cache.invalidate("other")
    assert all(0 < storage.pttl_ms(k) <= cache.max_ttl_s * 1000 for k in storage.live_keys())
    clock.now += cache.max_ttl_s
    assert await cache.get(key) is None


async def test_a_storage_error_serves_the_fetcher_and_counts_one_error() -> None:
    storage = FlakyStorage()
    seen: list[str] = []
    cache = CacheAside(storage, on_result=seen.append)
    storage.mode = "error"
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    assert await cache.get_or_fetch(key, constant, resource="r") == "fetched"
    await cache.set(key, "x", resource="r")
    await cache.invalidate("r")
    assert seen == ["error"]
    storage.mode = "ok"
    assert await cache.get_or_fetch(key, constant, resource="r") == "fetched"
    assert await cache.get(key) == "fetched"
    assert seen == ["error", "miss", "hit"]


async def test_a_slow_storage_is_abandoned_after_the_timeout() -> None:
    storage = FlakyStorage()
    cache = CacheAside(storage, timeout_s=0.01)
    storage.mode = "slow"
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    assert await asyncio.wait_for(cache.get_or_fetch(key, constant, resource="r"), 2) == "fetched"
    assert cache.counters().errors == 1


async def test_a_failed_invalidation_blocks_the_cache_until_it_is_applied() -> None:
    storage = FlakyStorage()
    cache = CacheAside(storage)
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    await cache.set(key, "old", resource="r")
    storage.mode = "error"
    await cache.invalidate("r")
    storage.mode = "ok"
    assert await cache.get_or_fetch(key, constant, resource="r") == "fetched"


async def test_a_fill_after_a_very_long_fetch_is_refused() -> None:
    clock = Clock()
    cache = CacheAside(MemoryCacheStorage(clock=clock), clock=clock)
    key = cache.make_key("r", PUBLIC_SCOPE, {})

    async def slow() -> str:
        clock.now += cache.max_ttl_s  # the generation read before may have expired meanwhile
        return "late"

    assert await cache.get_or_fetch(key, slow, resource="r") == "late"
    assert await cache.get(key) is None


async def test_a_failing_fetch_reaches_every_waiter_and_is_not_cached() -> None:
    cache = CacheAside(MemoryCacheStorage())
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    gate = asyncio.Event()

    async def broken() -> str:
        await gate.wait()
        raise LookupError("db down")

    waiters = [asyncio.create_task(cache.get_or_fetch(key, broken, resource="r")) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert await cache.get_or_fetch(key, constant, resource="r") == "fetched"


async def test_a_cancelled_leader_does_not_fail_the_callers_that_joined() -> None:
    cache = CacheAside(MemoryCacheStorage())
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    gate = asyncio.Event()

    async def slow() -> str:
        await gate.wait()
        return "value"

    leader = asyncio.create_task(cache.get_or_fetch(key, slow, resource="r"))
    await asyncio.sleep(0.01)
    follower = asyncio.create_task(cache.get_or_fetch(key, slow, resource="r"))
    await asyncio.sleep(0.01)
    leader.cancel()
    gate.set()
    assert await follower == "value"
    with pytest.raises(asyncio.CancelledError):
        await leader


texts = st.text(max_size=12)
params = st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3)
scopes = st.just(PUBLIC_SCOPE) | texts.filter(bool).map(user_scope)


@given(a=st.tuples(texts.filter(bool), scopes, params), b=st.tuples(texts.filter(bool), scopes, params))
def test_keys_of_different_inputs_never_collide(
    a: tuple[str, str, dict[str, Any]], b: tuple[str, str, dict[str, Any]]
) -> None:
    keys = CacheKeys("p:", 1)
    key_a, key_b = keys.entry(*a), keys.entry(*b)
    assert (key_a == key_b) == (a == b)
    assert key_a.startswith("p:c:v1:")
    bookkeeping = {keys.generation(a[0]), keys.index(a[0]), keys.generation(b[0]), keys.index(b[0])}
    assert key_a not in bookkeeping and key_b not in bookkeeping


def test_schema_versions_and_prefixes_separate_keys() -> None:
    assert CacheKeys("p:", 1).entry("r", "pub", {}) != CacheKeys("p:", 2).entry("r", "pub", {})
    assert CacheKeys("a:", 1).entry("r", "pub", {}) != CacheKeys("b:", 1).entry("r", "pub", {})


@pytest.mark.parametrize("scope", ["", "u:", "user:1", "public"])
def test_a_scope_that_is_neither_public_nor_a_user_is_refused(scope: str) -> None:
    with pytest.raises(InvalidCacheKeyError, match="u:42"):
        CacheKeys().entry("r", scope, {})
