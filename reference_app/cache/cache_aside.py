"""Cache-aside policy (reference-app.md "Caching"; properties 6–11, 22) over a CacheStorage.

Read path: one storage round trip returns the entry AND the resource's generation. A hit
returns the value. A miss joins (or starts) the key's single flight, which calls the fetcher
once and fills the entry only if the generation is still the one read before the fetch:
a reader that fetched an old row before a write never stores it after the invalidation.

Write path: the caller commits, then ``invalidate(resource)`` sets a fresh random
generation and deletes the resource's entries. Generations are random tokens, not
counters: a generation key expires (every key has a TTL), and a counter restarting at 1
could equal a value an old reader saw (ABA). A fill is also refused once the fetch has
taken longer than half the generation's lifetime, so the key cannot have expired and come
back between the read and the fill.

Storage failures or slowness beyond ``timeout_s`` never reach the caller: the value comes
from the fetcher and the lookup counts as an error. An invalidation that fails is retried
before the next cache operation; until it succeeds, lookups bypass the cache.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar, cast

import orjson

from reference_app.cache.counters import CacheCounters, LookupCounter, LookupResult, ResultHook
from reference_app.cache.errors import CacheValueError
from reference_app.cache.keys import CacheKeys
from reference_app.cache.singleflight import SingleFlight
from reference_app.cache.storage import CacheStorage
from reference_app.cache.ttl import DEFAULT_JITTER, DEFAULT_TTL_S, JitteredTtl

T = TypeVar("T")
R = TypeVar("R")

#: A storage call slower than this is abandoned and the value comes from the fetcher.
DEFAULT_TIMEOUT_S = 0.05
_MISSING = object()

logger = logging.getLogger("reference_app.cache")


def _new_generation() -> str:
    return secrets.token_hex(8)


class CacheAside:
    """Example::

    cache = CacheAside(RedisCacheStorage(redis), key_prefix="app:", on_result=metrics.cache_result)
    key = cache.make_key("analytics", user_scope(user.id), {"days": 30})
    summary = await cache.get_or_fetch(key, lambda: repo.summary(user.id), resource="analytics")
    ...  # after a committed write:
    await cache.invalidate("analytics")
    """

    def __init__(
        self,
        storage: CacheStorage,
        *,
        key_prefix: str = "",
        schema_version: int = 1,
        ttl_s: float = DEFAULT_TTL_S,
        jitter: float = DEFAULT_JITTER,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        random: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        new_generation: Callable[[], str] = _new_generation,
        on_result: ResultHook | None = None,
    ) -> None:
        self._storage = storage
        self._keys = CacheKeys(key_prefix, schema_version)
        self._ttl = JitteredTtl(ttl_s, jitter, random=random)
        self._timeout_s = timeout_s
        self._clock = clock
        self._new_generation = new_generation
        self._counter = LookupCounter(on_result)
        self._flights = SingleFlight()
        self._pending_invalidations: set[str] = set()
        #: Ceiling of every TTL written: entries, generations and indexes (property 6).
        self.max_ttl_s: float = self._ttl.max_ms / 1000

    def make_key(self, resource: str, scope: str, params: Mapping[str, Any]) -> str:
        return self._keys.entry(resource, scope, params)

    def counters(self) -> CacheCounters:
        return self._counter.snapshot()

    async def get(self, key: str) -> Any | None:
        """The cached value, or None on a miss or a storage error (counted either way)."""
        found = await self._lookup(key, generation_key=key)
        return None if found[0] is _MISSING else found[0]

    async def set(self, key: str, value: Any, *, resource: str) -> None:
        """Store unconditionally (with a jittered TTL); storage errors are logged, not raised."""
        try:
            encoded = orjson.dumps(value)
        except TypeError as exc:
            raise CacheValueError(f"cannot cache {type(value).__name__} as JSON: {exc}") from None
        try:
            await self._flush_invalidations()
            await self._timed(self._write(key, encoded, resource, expected=None, conditional=False))
        except Exception:
            logger.warning("cache_set_failed", extra={"resource": resource}, exc_info=True)

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]], *, resource: str) -> T:
        """The cached value, else ``await fetch()`` (once for all concurrent misses), stored."""
        value, generation, result = await self._lookup(key, generation_key=self._keys.generation(resource))
        if value is not _MISSING:
            return cast(T, value)
        started = self._clock()

        async def fetch_and_fill() -> T:
            fetched = await fetch()
            if result == "miss":
                await self._fill(key, fetched, resource, generation, started)
            return fetched

        return cast(T, await self._flights.do(key, resource, fetch_and_fill))

    async def invalidate(self, resource: str) -> None:
        """Call after the write committed: later reads see it (property 9). Never raises."""
        self._flights.forget(resource)
        self._pending_invalidations.add(resource)
        try:
            await self._flush_invalidations()
        except Exception:
            logger.warning("cache_invalidation_failed", extra={"resource": resource}, exc_info=True)

    async def aclose(self) -> None:
        await self._storage.aclose()

    async def _lookup(self, key: str, *, generation_key: str) -> tuple[Any, str | None, LookupResult]:
        """(value or _MISSING, generation, result); records exactly one result."""
        try:
            await self._flush_invalidations()
            raw, generation = await self._timed(self._storage.read(key, generation_key))
            value = _MISSING if raw is None else orjson.loads(raw)
        except Exception:
            logger.warning("cache_lookup_failed", exc_info=True)
            self._counter.record("error")
            return _MISSING, None, "error"
        result: LookupResult = "miss" if value is _MISSING else "hit"
        self._counter.record(result)
        return value, generation, result

    async def _fill(self, key: str, value: Any, resource: str, generation: str | None, started: float) -> None:
        if self._clock() - started >= self.max_ttl_s / 2:
            return  # the generation seen may have expired and reappeared: do not trust it
        try:
            encoded = orjson.dumps(value)
            await self._timed(self._write(key, encoded, resource, expected=generation, conditional=True))
        except Exception:
            logger.warning("cache_fill_failed", extra={"resource": resource}, exc_info=True)

    def _write(
        self, key: str, encoded: bytes, resource: str, *, expected: str | None, conditional: bool
    ) -> Coroutine[Any, Any, bool]:
        return self._storage.write(
            key,
            encoded,
            ttl_ms=self._ttl(),
            index_key=self._keys.index(resource),
            index_ttl_ms=self._ttl.max_ms,
            generation_key=self._keys.generation(resource),
            expected_generation=expected,
            conditional=conditional,
        )

    async def _flush_invalidations(self) -> None:
        """Apply invalidations that failed earlier; raises while storage still fails."""
        for resource in sorted(self._pending_invalidations):
            await self._timed(
                self._storage.invalidate(
                    index_key=self._keys.index(resource),
                    generation_key=self._keys.generation(resource),
                    new_generation=self._new_generation(),
                    ttl_ms=self._ttl.max_ms,
                )
            )
            self._pending_invalidations.discard(resource)

    async def _timed(self, operation: Coroutine[Any, Any, R]) -> R:
        async with asyncio.timeout(self._timeout_s):
            return await operation
