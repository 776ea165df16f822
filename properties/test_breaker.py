"""Property 27 (component): the configured CircuitBreaker follows the reference model.

Twice: with its default storage (in this process), and with state shared in this
session's Redis under a key prefix of the test's own.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from gauntlet.config.model import GauntletConfig
from properties.component.breaker import BuildBreaker, check_breaker_follows_the_model
from properties.component.fixtures import component


@pytest.fixture
async def redis(redis_url: str, redis_key_prefix: str) -> AsyncIterator[tuple[Redis, str]]:
    client = Redis.from_url(redis_url)
    prefix = f"{redis_key_prefix}props-breaker:{secrets.token_hex(4)}:"
    yield client, prefix
    keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.mark.property(27, level="component")
async def test_the_breaker_follows_the_model(gauntlet_config: GauntletConfig) -> None:
    def build(**keywords: Any) -> Any:
        return component(gauntlet_config, "breaker", **keywords)

    await check_breaker_follows_the_model(build)


@pytest.mark.property(27, level="component")
async def test_the_redis_shared_breaker_follows_the_model(
    gauntlet_config: GauntletConfig, redis: tuple[Redis, str]
) -> None:
    client, prefix = redis

    def build(**keywords: Any) -> Any:
        # A prefix per machine run: each run starts from a breaker nobody used.
        run_prefix = f"{prefix}{secrets.token_hex(4)}:"
        return component(gauntlet_config, "breaker", redis=client, key_prefix=run_prefix, **keywords)

    built: BuildBreaker = build
    await check_breaker_follows_the_model(built)
