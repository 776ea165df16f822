"""10 fails on caches (component) and apps (http) that do not survive a Redis failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from gauntlet.services.ports import free_port
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import start_private_redis
from gauntlet.services.types import PrivateServer
from properties.component.cache_fallback import AlwaysDown, PausedProcess, check_cache_failure_fallback
from reference_app.cache import CacheAside, RedisCacheStorage
from reference_app.cache.cache_aside import _MISSING
from reference_app.cache.counters import LookupCounter, LookupResult

TIMEOUT_S = 0.2


class CacheUnavailable(Exception):
    pass


class RaisingCache(CacheAside):
    """Lets a Redis failure reach the caller instead of falling back to the fetcher."""

    async def _lookup(self, key: str, *, generation_key: str) -> tuple[Any, str | None, LookupResult]:
        found = await super()._lookup(key, generation_key=generation_key)
        if found[2] == "error":
            raise CacheUnavailable("Redis did not answer")
        return found


class ErrorsNotCounted(LookupCounter):
    def record(self, result: LookupResult) -> None:
        if result != "error":
            super().record(result)


class UncountedErrorsCache(CacheAside):
    """Falls back correctly but counts nothing when Redis fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counter = ErrorsNotCounted()


class NeverRecoversCache(CacheAside):
    """A circuit that opens on the first Redis error and never closes: the cache stays
    bypassed (every lookup an error, nothing stored) after Redis is back."""

    disabled = False

    async def _lookup(self, key: str, *, generation_key: str) -> tuple[Any, str | None, LookupResult]:
        if self.disabled:
            self._counter.record("error")
            return _MISSING, None, "error"
        found = await super()._lookup(key, generation_key=generation_key)
        self.disabled = found[2] == "error"
        return found

    async def set(self, key: str, value: Any, *, resource: str) -> None:
        if not self.disabled:
            await super().set(key, value, resource=resource)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateServer]:
    with ProcessGroup() as group:
        yield start_private_redis(tmp_path, group=group)


def paused(cls: type[CacheAside], server: PrivateServer) -> tuple[Any, PausedProcess]:
    cache = cls(RedisCacheStorage(Redis.from_url(server.url), owns_client=True), key_prefix="m10:", timeout_s=TIMEOUT_S)
    return cache, PausedProcess(server.process.pid)


async def run_paused(cls: type[CacheAside], server: PrivateServer) -> None:
    cache, fault = paused(cls, server)
    try:
        await check_cache_failure_fallback(cache, fault)
    finally:
        if fault.paused:
            fault.heal()
        await cache.aclose()


async def test_holds_on_the_reference_cache(private_redis: PrivateServer) -> None:
    await run_paused(CacheAside, private_redis)
    refused: Any = CacheAside(RedisCacheStorage(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"), owns_client=True))
    await check_cache_failure_fallback(refused, AlwaysDown("a closed port"))
    await refused.aclose()


@pytest.mark.mutant(10)
async def test_fails_when_a_redis_error_reaches_the_caller() -> None:
    cache: Any = RaisingCache(RedisCacheStorage(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"), owns_client=True))
    with pytest.raises(AssertionError, match="raised CacheUnavailable: Redis did not answer with a closed port"):
        await check_cache_failure_fallback(cache, AlwaysDown("a closed port"))
    await cache.aclose()


@pytest.mark.mutant(10)
async def test_fails_when_errors_are_not_counted(private_redis: PrivateServer) -> None:
    with pytest.raises(AssertionError, match=r"moved the counters \(hits, misses, errors\) by \(0, 0, 0\)"):
        await run_paused(UncountedErrorsCache, private_redis)


@pytest.mark.mutant(10)
async def test_fails_when_caching_never_resumes(private_redis: PrivateServer) -> None:
    with pytest.raises(AssertionError, match=r"caching did not resume within 10.0 s"):
        await run_paused(NeverRecoversCache, private_redis)
