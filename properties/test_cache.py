"""Properties 6, 7, 8, 11, 22 (component): the configured Cache on this session's Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from gauntlet.config.model import GauntletConfig
from properties.component.cache import (
    check_hit_returns_cached_value,
    check_key_namespacing,
    check_lookup_counters,
    check_miss_fetches_and_populates,
    check_ttls,
)
from properties.component.fixtures import component

SCHEMA_VERSION = 1


@pytest.fixture
def cache_prefix(redis_key_prefix: str) -> str:
    """A prefix of this test's own under the session's (removed at the end of the session)."""
    return f"{redis_key_prefix}props-cache:{secrets.token_hex(4)}:"


#: Storage timeout for the cache under test (factory keyword: redis_url, key_prefix, timeout_s).
CACHE_TIMEOUT_S = 2.0


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def cache(gauntlet_config: GauntletConfig, redis_url: str, cache_prefix: str) -> AsyncIterator[Any]:
    # A generous storage timeout: on a loaded shared machine the default 50 ms would turn a
    # slow Redis reply into a (correct) fallback, which properties 7, 8 and 22 then misread.
    built = component(gauntlet_config, "cache", redis_url=redis_url, key_prefix=cache_prefix, timeout_s=CACHE_TIMEOUT_S)
    yield built
    await built.aclose()


@pytest.mark.property(6, level="component")
async def test_every_key_written_has_a_bounded_ttl(cache: Any, redis: Redis, cache_prefix: str) -> None:
    await check_ttls(cache, redis, cache_prefix)


@pytest.mark.property(7, level="component")
async def test_a_hit_returns_the_cached_value(cache: Any) -> None:
    await check_hit_returns_cached_value(cache)


@pytest.mark.property(8, level="component")
async def test_a_miss_fetches_once_and_populates(cache: Any, redis: Redis) -> None:
    await check_miss_fetches_and_populates(cache, redis)


@pytest.mark.property(11, level="component")
async def test_keys_are_namespaced(cache: Any, cache_prefix: str) -> None:
    await check_key_namespacing(cache, cache_prefix, SCHEMA_VERSION)


@pytest.mark.property(22, level="component")
async def test_every_lookup_is_counted_once(cache: Any) -> None:
    await check_lookup_counters(cache)
