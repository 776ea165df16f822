"""CacheAside on the real Redis: properties 6, 7, 8, 9, 11 and 22 at component level."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from reference_app.cache import PUBLIC_SCOPE, CacheAside, RedisCacheStorage, build, user_scope

HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


def make_cache(redis: Redis, key_prefix: str, **options: Any) -> CacheAside:
    return CacheAside(RedisCacheStorage(redis), key_prefix=key_prefix, **options)


class Fetcher:
    """A fetcher that counts its calls and returns the current value of ``value``."""

    def __init__(self, value: Any) -> None:
        self.value = value
        self.calls = 0

    async def __call__(self) -> Any:
        self.calls += 1
        await asyncio.sleep(0)
        return self.value


async def keys_under(redis: Redis, prefix: str) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]


operations = st.lists(
    st.tuples(
        st.sampled_from(["set", "fetch", "get", "invalidate"]),
        st.sampled_from(["incidents", "analytics", "users:list"]),
        st.sampled_from([PUBLIC_SCOPE, "u:1", "u:2"]),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=15,
)


@HYPOTHESIS
@given(ops=operations, ttl_s=st.floats(0.5, 120), jitter=st.floats(0, 0.5))
async def test_every_key_written_has_a_ttl_within_max(
    shared_redis: Redis, session_prefix: str, ops: list[tuple[str, str, str, int]], ttl_s: float, jitter: float
) -> None:
    prefix = f"{session_prefix}ttl:{secrets.token_hex(4)}:"
    cache = make_cache(shared_redis, prefix, ttl_s=ttl_s, jitter=jitter, timeout_s=1.0)
    for op, resource, scope, param in ops:
        key = cache.make_key(resource, scope, {"p": param})
        if op == "set":
            await cache.set(key, {"p": param}, resource=resource)
        elif op == "fetch":
            await cache.get_or_fetch(key, Fetcher(param), resource=resource)
        elif op == "get":
            await cache.get(key)
        else:
            await cache.invalidate(resource)
    max_ms = cache.max_ttl_s * 1000
    keys = await keys_under(shared_redis, prefix)
    for key in keys:
        pttl = await shared_redis.pttl(key)
        assert 0 < pttl <= max_ms, (key, pttl, max_ms)
    if keys:
        await shared_redis.delete(*keys)


@HYPOTHESIS
@given(value=json_values)
async def test_get_after_set_returns_an_equal_value(shared_redis: Redis, key_prefix: str, value: Any) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("things", PUBLIC_SCOPE, {"v": orjson.dumps(value).decode()})
    await cache.set(key, value, resource="things")
    assert await cache.get(key) == value


async def test_large_unicode_nested_values_round_trip(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=2.0)
    value = {
        "title": "Zürich ☃ 𝄞 — 事件",
        "nested": {"a": [1, 2.5, None, True, {"b": ["é" * 3]}]},
        "large": ["x" * 1000 for _ in range(1000)],
        "big_int": 2**63 - 1,
        "negative_zero": -0.0,
    }
    key = cache.make_key("things", user_scope(1), {})
    await cache.set(key, value, resource="things")
    assert await cache.get(key) == value
    assert await cache.get_or_fetch(key, Fetcher("never"), resource="things") == value


async def test_a_hit_never_calls_the_fetcher(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 1})
    await cache.set(key, {"id": 1}, resource="incidents")
    fetch = Fetcher({"id": "other"})
    assert await cache.get_or_fetch(key, fetch, resource="incidents") == {"id": 1}
    assert fetch.calls == 0
    assert cache.counters().hits == 1


async def test_a_miss_fetches_once_and_stores_with_a_ttl(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 2})
    fetch = Fetcher({"id": 2, "title": "t"})
    assert await cache.get_or_fetch(key, fetch, resource="incidents") == {"id": 2, "title": "t"}
    assert fetch.calls == 1
    assert orjson.loads(await shared_redis.get(key)) == {"id": 2, "title": "t"}
    assert 0 < await shared_redis.pttl(key) <= cache.max_ttl_s * 1000
    assert await cache.get_or_fetch(key, fetch, resource="incidents") == {"id": 2, "title": "t"}
    assert fetch.calls == 1


async def test_fifty_concurrent_misses_fetch_once(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("analytics", user_scope(5), {"days": 7})
    release = asyncio.Event()
    calls = 0

    async def slow_fetch() -> dict[str, int]:
        nonlocal calls
        calls += 1
        await release.wait()
        return {"total": 42}

    readers = [asyncio.create_task(cache.get_or_fetch(key, slow_fetch, resource="analytics")) for _ in range(50)]
    while cache.counters().misses < 50:
        await asyncio.sleep(0.005)
    release.set()
    assert await asyncio.gather(*readers) == [{"total": 42}] * 50
    assert calls == 1
    assert cache.counters().misses == 50


async def test_a_read_after_invalidation_returns_the_fresh_value(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("incidents", user_scope(9), {"limit": 20})
    db = Fetcher(["old"])
    assert await cache.get_or_fetch(key, db, resource="incidents") == ["old"]
    db.value = ["new"]  # the write commits...
    await cache.invalidate("incidents")  # ...then invalidates
    assert await cache.get_or_fetch(key, db, resource="incidents") == ["new"]
    assert db.calls == 2


async def test_a_slow_reader_never_writes_back_a_stale_value(shared_redis: Redis, key_prefix: str) -> None:
    """Reader reads the old row, writer commits and invalidates, reader's fill is refused."""
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 3})
    db = {"title": "old"}
    read_done, write_done = asyncio.Event(), asyncio.Event()

    async def slow_read() -> dict[str, str]:
        row = dict(db)  # the SELECT happens before the write commits
        read_done.set()
        await write_done.wait()
        return row

    async def writer() -> None:
        await read_done.wait()
        db["title"] = "new"
        await cache.invalidate("incidents")
        write_done.set()

    stale, _ = await asyncio.gather(cache.get_or_fetch(key, slow_read, resource="incidents"), writer())
    assert stale == {"title": "old"}  # the read began before the write: old is allowed
    assert await shared_redis.get(key) is None  # ...but it was not stored
    fresh = Fetcher(dict(db))
    assert await cache.get_or_fetch(key, fresh, resource="incidents") == {"title": "new"}
    assert fresh.calls == 1


async def test_a_read_started_after_invalidation_does_not_join_an_older_fetch(
    shared_redis: Redis, key_prefix: str
) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    key = cache.make_key("incidents", PUBLIC_SCOPE, {"id": 4})
    started, finish = asyncio.Event(), asyncio.Event()

    async def old_read() -> str:
        started.set()
        await finish.wait()
        return "old"

    early = asyncio.create_task(cache.get_or_fetch(key, old_read, resource="incidents"))
    await started.wait()
    await cache.invalidate("incidents")
    try:
        assert await asyncio.wait_for(cache.get_or_fetch(key, Fetcher("new"), resource="incidents"), 5) == "new"
    finally:
        finish.set()
    assert await early == "old"
    assert await cache.get_or_fetch(key, Fetcher("never"), resource="incidents") == "new"


async def test_invalidating_one_resource_leaves_others_intact(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    incidents = cache.make_key("incidents", PUBLIC_SCOPE, {})
    analytics = cache.make_key("analytics", PUBLIC_SCOPE, {})
    await cache.set(incidents, 1, resource="incidents")
    await cache.set(analytics, 2, resource="analytics")
    await cache.invalidate("incidents")
    assert await cache.get(incidents) is None
    assert await cache.get(analytics) == 2


async def test_user_scoped_data_is_never_served_to_another_user(shared_redis: Redis, key_prefix: str) -> None:
    cache = make_cache(shared_redis, key_prefix, timeout_s=1.0)
    params = {"days": 30}
    mine = cache.make_key("analytics", user_scope(1), params)
    await cache.get_or_fetch(mine, Fetcher({"owner": 1}), resource="analytics")
    theirs = cache.make_key("analytics", user_scope(2), params)
    assert await cache.get_or_fetch(theirs, Fetcher({"owner": 2}), resource="analytics") == {"owner": 2}


@HYPOTHESIS
@given(
    lookups=st.lists(st.tuples(st.sampled_from(["get", "fetch", "set", "invalidate"]), st.integers(0, 3)), max_size=20)
)
async def test_every_lookup_counts_exactly_once(
    shared_redis: Redis, key_prefix: str, lookups: list[tuple[str, int]]
) -> None:
    results: list[str] = []
    cache = make_cache(shared_redis, f"{key_prefix}{secrets.token_hex(4)}:", timeout_s=1.0, on_result=results.append)
    stored: set[int] = set()
    expected = {"hit": 0, "miss": 0, "error": 0}
    for op, n in lookups:
        key = cache.make_key("r", PUBLIC_SCOPE, {"n": n})
        if op == "set":
            await cache.set(key, n, resource="r")
            stored.add(n)
        elif op == "invalidate":
            await cache.invalidate("r")
            stored.clear()
        else:
            expected["hit" if n in stored else "miss"] += 1
            if op == "get":
                await cache.get(key)
            else:
                await cache.get_or_fetch(key, Fetcher(n), resource="r")
                stored.add(n)
    counters = cache.counters()
    assert (counters.hits, counters.misses, counters.errors) == (expected["hit"], expected["miss"], 0)
    assert len(results) == sum(1 for op, _ in lookups if op in ("get", "fetch"))
    assert results.count("hit") == counters.hits


async def test_build_from_a_url_owns_and_closes_its_client(key_prefix: str, redis_url: str) -> None:
    cache = build(redis_url=redis_url, key_prefix=key_prefix, timeout_s=1.0)
    key = cache.make_key("r", PUBLIC_SCOPE, {})
    assert await cache.get_or_fetch(key, Fetcher(1), resource="r") == 1
    assert await cache.get(key) == 1
    await cache.aclose()


@pytest.mark.parametrize("value", [{1, 2}, 2**70])
async def test_a_value_that_is_not_json_is_refused_on_set(shared_redis: Redis, key_prefix: str, value: Any) -> None:
    cache = make_cache(shared_redis, key_prefix)
    with pytest.raises(TypeError, match="cannot cache"):
        await cache.set(cache.make_key("r", PUBLIC_SCOPE, {}), value, resource="r")
