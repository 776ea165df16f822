"""6, 7, 8, 11, 22: the configured Cache (cache-aside over Redis) at component level.

Each ``check_*`` is async and takes a cache satisfying the ``Cache`` protocol (plus a Redis
client and the cache's key prefix where Redis itself must be inspected). Hypothesis drives
each check from a worker thread while every cache operation runs on the caller's event
loop, so the cache and its Redis connections stay on the loop they were made on.

- 6: after random set / get / get_or_fetch / invalidate sequences, every key under the
  prefix has a PTTL in (0, max_ttl_s·1000]; never -1 (no expiry).
- 7: after ``set(k, v)``, ``get(k)`` is ``v`` exactly (JSON round trip of unicode, large and
  nested values) and ``get_or_fetch`` on that hit never calls the fetcher.
- 8: a miss calls the fetcher once, returns and stores its value with a TTL; N concurrent
  misses on one key call the fetcher once (single flight).
- 11: different (resource, scope, params) never share a key; keys start with the prefix and
  name the schema version; a user's value is never served to another user; invalidating
  one resource leaves another's entries intact.
- 22: every lookup counts exactly one of hits, misses, errors.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from gauntlet.components.protocols import Cache

PUBLIC_SCOPE = "pub"
#: Concurrent misses on one key in the single-flight check.
CONCURRENT_MISSES = 20
#: How long the single-flight check waits for all concurrent lookups to be counted.
LOOKUP_WAIT_S = 2.0

_unique = itertools.count()

#: Text the cache must store as JSON: any code point but lone surrogates (not UTF-8).
json_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
#: Large values: long unicode strings and long lists (tens of kilobytes).
large_values = st.one_of(
    st.tuples(st.sampled_from(["x", "é", "事", "𝄞", "☃ "]), st.integers(1_000, 20_000)).map(lambda p: p[0] * p[1]),
    st.integers(200, 2_000).map(lambda n: [{"i": i, "t": "Zürich ☃"} for i in range(n)]),
)
json_values = st.recursive(
    json_scalars | large_values,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(json_text, children, max_size=5),
    max_leaves=20,
)
#: Resource names and user ids, including the separators a key layout must escape.
names = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12) | st.sampled_from(
    ["incidents", "a:b", "a", "b:u:1", "%3A", "pub", "#gen", "u:1", "*"]
)
scopes = st.just(PUBLIC_SCOPE) | names.map(lambda user: f"u:{user}")
params_maps = st.dictionaries(
    json_text, st.none() | st.booleans() | st.integers(-(2**31), 2**31) | json_text, max_size=3
)


def canonical(value: Any) -> str:
    """JSON text for comparison: 1, 1.0 and True differ; dict key order does not matter."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


async def run_given(body: Callable[..., Awaitable[None]], /, **strategies: st.SearchStrategy[Any]) -> None:
    """Run Hypothesis over ``body`` (a coroutine function) on the current event loop."""
    loop = asyncio.get_running_loop()

    @settings(report_multiple_bugs=False)
    @given(**strategies)
    def property_holds(**drawn: Any) -> None:
        asyncio.run_coroutine_threadsafe(body(**drawn), loop).result()

    await asyncio.to_thread(property_holds)


@dataclass
class Fetcher:
    """Returns ``value`` and counts its calls; ``release`` (if set) must be set first."""

    value: Any
    calls: int = 0
    release: asyncio.Event | None = field(default=None, repr=False)

    async def __call__(self) -> Any:
        self.calls += 1
        if self.release is not None:
            await self.release.wait()
        else:
            await asyncio.sleep(0)
        return self.value


def fresh_resource(name: str) -> str:
    """A resource of one example's own, so examples never see each other's entries."""
    return f"{name}-{next(_unique)}-{secrets.token_hex(3)}"


async def keys_under(redis: Redis, prefix: str) -> list[bytes]:
    return [key async for key in redis.scan_iter(match=f"{_glob_escape(prefix)}*", count=1000)]


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


# --- 6 ---------------------------------------------------------------------------------------

ttl_operations = st.lists(
    st.tuples(
        st.sampled_from(["set", "fetch", "get", "invalidate"]),
        st.sampled_from(["incidents", "analytics", "users"]),
        st.sampled_from([PUBLIC_SCOPE, "u:1", "u:2"]),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=12,
)


async def check_ttls(cache: Cache, redis: Redis, prefix: str) -> None:
    """6: no key under ``prefix`` is left without a TTL or with one above ``max_ttl_s``."""
    max_ms = cache.max_ttl_s * 1000
    assert max_ms > 0, f"max_ttl_s must be > 0, got {cache.max_ttl_s!r}"

    async def every_key_has_a_bounded_ttl(ops: list[tuple[str, str, str, int]]) -> None:
        for op, resource, scope, param in ops:
            key = cache.make_key(resource, scope, {"p": param})
            if op == "set":
                await cache.set(key, {"p": param, "scope": scope}, resource=resource)
            elif op == "fetch":
                await cache.get_or_fetch(key, Fetcher({"p": param}), resource=resource)
            elif op == "get":
                await cache.get(key)
            else:
                await cache.invalidate(resource)
        keys = await keys_under(redis, prefix)
        for key in keys:
            pttl = await redis.pttl(key)
            if pttl == -2:
                continue  # expired or deleted since the scan
            assert 0 < pttl <= max_ms, (
                f"key {key!r} has PTTL {pttl} ms (-1: no expiry), outside (0, {max_ms:g}] after {ops}"
            )
        if keys:
            await redis.delete(*keys)

    await run_given(every_key_has_a_bounded_ttl, ops=ttl_operations)


# --- 7 ---------------------------------------------------------------------------------------


async def check_hit_returns_cached_value(cache: Cache) -> None:
    """7: ``get`` after ``set`` round-trips the value; a hit never calls the fetcher."""
    resource = fresh_resource("gauntlet-p7")

    async def set_then_get_round_trips(value: Any) -> None:
        key = cache.make_key(resource, PUBLIC_SCOPE, {"n": next(_unique)})
        await cache.set(key, value, resource=resource)
        got = await cache.get(key)
        assert got == value and canonical(got) == canonical(value), (
            f"get after set returned a different value: stored {short(value)}, got {short(got)}"
        )
        fetch = Fetcher({"fetched": "instead of the cached value"})
        served = await cache.get_or_fetch(key, fetch, resource=resource)
        assert fetch.calls == 0, f"get_or_fetch on a hit called the fetcher {fetch.calls} time(s)"
        assert canonical(served) == canonical(value), (
            f"get_or_fetch on a hit returned {short(served)}, cached {short(value)}"
        )

    await run_given(set_then_get_round_trips, value=json_values)


# --- 8 ---------------------------------------------------------------------------------------


async def check_miss_fetches_and_populates(cache: Cache, redis: Redis) -> None:
    """8: a miss fetches once and stores with a TTL; concurrent misses share one fetch."""
    max_ms = cache.max_ttl_s * 1000

    async def a_miss_fetches_once_and_stores(value: Any) -> None:
        resource = fresh_resource("gauntlet-p8")
        key = cache.make_key(resource, PUBLIC_SCOPE, {})
        fetch = Fetcher(value)
        got = await cache.get_or_fetch(key, fetch, resource=resource)
        assert fetch.calls == 1, f"a miss called the fetcher {fetch.calls} times, not once"
        assert canonical(got) == canonical(value), f"a miss returned {short(got)}, the fetcher {short(value)}"
        pttl = await redis.pttl(key)
        assert 0 < pttl <= max_ms, f"the fetched value was not stored with a TTL: PTTL of {key!r} is {pttl}"
        stored = await cache.get(key)
        assert canonical(stored) == canonical(value), f"the fetched value was not stored: get returned {short(stored)}"
        again = Fetcher("fetched again")
        await cache.get_or_fetch(key, again, resource=resource)
        assert again.calls == 0, "the value fetched on a miss was not served on the next lookup"

    await run_given(a_miss_fetches_once_and_stores, value=json_values)

    resource = fresh_resource("gauntlet-p8-flight")
    key = cache.make_key(resource, "u:7", {"days": 30})
    fetch = Fetcher({"total": 42}, release=asyncio.Event())
    before = _lookups(cache)
    readers = [asyncio.create_task(cache.get_or_fetch(key, fetch, resource=resource)) for _ in range(CONCURRENT_MISSES)]
    deadline = asyncio.get_running_loop().time() + LOOKUP_WAIT_S
    while _lookups(cache) - before < CONCURRENT_MISSES and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.005)
    assert fetch.release is not None
    fetch.release.set()
    results = await asyncio.gather(*readers)
    assert results == [{"total": 42}] * CONCURRENT_MISSES, f"concurrent misses returned {short(results)}"
    assert fetch.calls == 1, (
        f"{CONCURRENT_MISSES} concurrent misses on one key called the fetcher {fetch.calls} times (no single flight)"
    )


def _lookups(cache: Cache) -> int:
    counters = cache.counters()
    return counters.hits + counters.misses + counters.errors


# --- 11 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyInputs:
    resource: str
    scope: str
    params: Mapping[str, Any]


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[KeyInputs, KeyInputs]:
    """Two key inputs that often differ in one part only (the likeliest collisions)."""
    first = KeyInputs(draw(names), draw(scopes), draw(params_maps))
    changed = draw(st.sets(st.sampled_from(["resource", "scope", "params"]), min_size=1))
    second = KeyInputs(
        draw(names) if "resource" in changed else first.resource,
        draw(scopes) if "scope" in changed else first.scope,
        draw(params_maps) if "params" in changed else first.params,
    )
    return first, second


async def check_key_namespacing(cache: Cache, prefix: str, schema_version: int) -> None:
    """11: keys are injective, prefixed and versioned; users and resources stay apart."""

    async def different_inputs_never_share_a_key(pair: tuple[KeyInputs, KeyInputs]) -> None:
        first, second = pair
        key1 = cache.make_key(first.resource, first.scope, first.params)
        key2 = cache.make_key(second.resource, second.scope, second.params)
        for key in (key1, key2):
            assert key.startswith(prefix), f"key {key!r} does not start with the prefix {prefix!r}"
            assert f"v{schema_version}:" in key[len(prefix) :], (
                f"key {key!r} does not name the schema version v{schema_version}"
            )
        if first != second:
            assert key1 != key2, f"different inputs share the key {key1!r}: {first} and {second}"

    await run_given(different_inputs_never_share_a_key, pair=near_pairs())

    async def users_and_resources_stay_apart(users: list[str], params: Mapping[str, Any]) -> None:
        resource, other = fresh_resource("gauntlet-p11"), fresh_resource("gauntlet-p11-other")
        alice, bob = (f"u:{user}" for user in users)
        alice_key = cache.make_key(resource, alice, params)
        await cache.get_or_fetch(alice_key, Fetcher({"owner": alice}), resource=resource)
        bob_key = cache.make_key(resource, bob, params)
        served = await cache.get_or_fetch(bob_key, Fetcher({"owner": bob}), resource=resource)
        assert served == {"owner": bob}, f"{bob} was served {short(served)}, cached for {alice}"
        assert await cache.get(bob_key) == {"owner": bob}, f"get for {bob} does not return {bob}'s value"

        other_key = cache.make_key(other, alice, params)
        await cache.set(other_key, {"resource": other}, resource=other)
        await cache.invalidate(resource)
        kept = await cache.get(other_key)
        assert kept == {"resource": other}, (
            f"invalidating {resource!r} removed {other!r}'s entry {other_key!r} (get returned {short(kept)})"
        )
        assert await cache.get(alice_key) is None, f"invalidating {resource!r} left its entry {alice_key!r}"

    await run_given(
        users_and_resources_stay_apart,
        users=st.lists(names, min_size=2, max_size=2, unique=True),
        params=params_maps,
    )


# --- 22 --------------------------------------------------------------------------------------

counter_operations = st.lists(
    st.tuples(st.sampled_from(["set", "get", "fetch", "invalidate"]), st.integers(0, 2)), min_size=1, max_size=15
)


async def check_lookup_counters(cache: Cache) -> None:
    """22: ``counters()`` moves by exactly the hits and misses the lookups had."""

    async def each_lookup_counts_once(ops: list[tuple[str, int]]) -> None:
        resource = fresh_resource("gauntlet-p22")
        keys = [cache.make_key(resource, PUBLIC_SCOPE, {"i": i}) for i in range(3)]
        cached: set[int] = set()
        hits = misses = 0
        before = cache.counters()
        for op, i in ops:
            if op == "set":
                await cache.set(keys[i], i, resource=resource)
                cached.add(i)
            elif op == "invalidate":
                await cache.invalidate(resource)
                cached.clear()
            else:
                if op == "get":
                    await cache.get(keys[i])
                else:
                    await cache.get_or_fetch(keys[i], Fetcher(i), resource=resource)
                hits += i in cached
                misses += i not in cached
                if op == "fetch":
                    cached.add(i)
        after = cache.counters()
        delta = (after.hits - before.hits, after.misses - before.misses, after.errors - before.errors)
        expected = (hits, misses, 0)
        if delta[2]:  # a storage error turns a hit or miss into an error: only the total is known
            assert sum(delta) == hits + misses, (
                f"{hits + misses} lookups moved the counters (hits, misses, errors) by {delta} after {ops}"
            )
        else:
            assert delta == expected, (
                f"counters (hits, misses, errors) moved by {delta}, expected {expected} after {ops}"
            )

    await run_given(each_lookup_counts_once, ops=counter_operations)
