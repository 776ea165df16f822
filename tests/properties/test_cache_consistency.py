"""9 fails on caches (component) and apps (http) that serve data older than a write."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

import pytest
from redis.asyncio import Redis

from properties.component.cache_consistency import check_writes_invalidate
from properties.http.cache_consistency import check_reads_racing_writes, check_writes_are_reflected
from reference_app.cache import CacheAside, RedisCacheStorage
from reference_app.state import app_resources


class NoInvalidationCache(CacheAside):
    """Forgets to invalidate: writes leave the cached rows, lists and aggregates in place."""

    async def invalidate(self, resource: str) -> None:
        return None


class StaleWriteBackCache(CacheAside):
    """Fills without the generation guard: a fetch that read the old row before a write
    stores it after the write's invalidation."""

    async def _fill(self, key: str, value: Any, resource: str, generation: str | None, started: float) -> None:
        await self.set(key, value, resource=resource)


class NoDetachCache(CacheAside):
    """Invalidation leaves running fetches joinable: a read after the write waits for, and
    returns, the fetch that started before it."""

    async def invalidate(self, resource: str) -> None:
        forget = self._flights.forget
        self._flights.forget = lambda group: None  # type: ignore[method-assign]
        try:
            await super().invalidate(resource)
        finally:
            self._flights.forget = forget  # type: ignore[method-assign]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def prefix(redis_key_prefix: str) -> str:
    return f"{redis_key_prefix}mutant-p9:{secrets.token_hex(4)}:"


def make(cls: type[CacheAside], redis: Redis, prefix: str) -> Any:
    return cls(RedisCacheStorage(redis), key_prefix=prefix, timeout_s=2.0)


async def test_holds_on_the_reference_cache(redis: Redis, prefix: str) -> None:
    await check_writes_invalidate(make(CacheAside, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_when_writes_do_not_invalidate(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="stale read"):
        await check_writes_invalidate(make(NoInvalidationCache, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_on_stale_write_back(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match=r"stale read: get_or_fetch\(item:0\) returned \{'id': 0, 'value': 1\}"):
        await check_writes_invalidate(make(StaleWriteBackCache, redis, prefix))


@pytest.mark.mutant(9)
async def test_fails_when_a_later_read_joins_an_earlier_fetch(redis: Redis, prefix: str) -> None:
    with pytest.raises(AssertionError, match="joined the old fetch"):
        await check_writes_invalidate(make(NoDetachCache, redis, prefix))


# --- http: the reference app with its cache swapped for a broken subclass ------------------

#: True while the app handles a PATCH (set by the wrapper, read by the broken cache).
_handling_patch: ContextVar[bool] = ContextVar("handling_patch", default=False)


class NoInvalidationOnUpdateCache(CacheAside):
    """The update handler's invalidation is lost; creates and deletes still invalidate."""

    async def invalidate(self, resource: str) -> None:
        if not _handling_patch.get():
            await super().invalidate(resource)


class SlowUnguardedFillCache(CacheAside):
    """A fill without the generation guard, landing late (a slow query): it waits for the
    next invalidation of its resource (at most 0.5 s), then stores what it fetched."""

    async def _fill(self, key: str, value: Any, resource: str, generation: str | None, started: float) -> None:
        invalidated = self.__dict__.setdefault("_invalidated", {}).setdefault(resource, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(invalidated.wait(), 0.5)
        await self.set(key, value, resource=resource)

    async def invalidate(self, resource: str) -> None:
        await super().invalidate(resource)
        waiting = self.__dict__.setdefault("_invalidated", {}).pop(resource, None)
        if waiting is not None:
            waiting.set()


def with_cache(cls: type[CacheAside]):  # type: ignore[no-untyped-def]
    """Wrap: the app's cache (built at start-up) becomes a ``cls``; PATCHes are marked."""

    def wrap(app):  # type: ignore[no-untyped-def]
        async def wrapped(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
            resources = app_resources(app.state)
            if resources is not None and type(resources.cache) is CacheAside:
                resources.cache.__class__ = cls
            token = _handling_patch.set(scope["type"] == "http" and scope["method"] == "PATCH")
            try:
                await app(scope, receive, send)
            finally:
                _handling_patch.reset(token)

        return wrapped

    return wrap


def test_http_holds_on_the_reference_app(open_target) -> None:  # type: ignore[no-untyped-def]
    with open_target() as http:
        check_writes_are_reflected(http)
        check_reads_racing_writes(http)


@pytest.mark.mutant(9)
def test_http_fails_when_updates_do_not_invalidate(open_target) -> None:  # type: ignore[no-untyped-def]
    stale_after_patch = r"stale (read|list|aggregate).* after PATCH"
    with (
        open_target(with_cache(NoInvalidationOnUpdateCache)) as http,
        pytest.raises(AssertionError, match=stale_after_patch),
    ):
        check_writes_are_reflected(http)


@pytest.mark.mutant(9)
def test_http_fails_on_stale_write_back_racing_a_patch(open_target) -> None:  # type: ignore[no-untyped-def]
    with (
        open_target(with_cache(SlowUnguardedFillCache)) as http,
        pytest.raises(AssertionError, match=r"stale read: .* sent after PATCH title='p9 race \d\.3' was acknowledged"),
    ):
        check_reads_racing_writes(http)
