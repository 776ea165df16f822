"""Property 10 (cache failure fallback): the configured Cache on Redis servers that refuse,
do not answer, or stop answering and come back (private ones: the shared Redis is never
paused), and the target over HTTP when the harness owns its Redis."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import start_private_redis
from gauntlet.services.types import PrivateServer
from properties.component.cache_fallback import AlwaysDown, PausedProcess, check_cache_failure_fallback
from properties.component.fixtures import component

#: The cache's storage timeout here: short, so a paused Redis costs little per call, yet
#: long enough that a healthy Redis on a busy 2-core machine answers within it.
CACHE_TIMEOUT_S = 0.2
#: An address nothing answers at (TEST-NET-1, RFC 5737): connects never complete.
UNROUTABLE_URL = "redis://192.0.2.1:6379/0"


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateServer]:
    with ProcessGroup() as group:
        yield start_private_redis(tmp_path, group=group)


def _build(config: GauntletConfig, redis_url: str) -> Any:
    prefix = f"gauntlet-p10:{secrets.token_hex(4)}:"
    return component(config, "cache", redis_url=redis_url, key_prefix=prefix, timeout_s=CACHE_TIMEOUT_S)


@pytest.fixture
async def paused_cache(gauntlet_config: GauntletConfig, private_redis: PrivateServer) -> AsyncIterator[Any]:
    cache = _build(gauntlet_config, private_redis.url)
    fault = PausedProcess(private_redis.process.pid)
    yield cache, fault
    if fault.paused:
        fault.heal()  # a stopped server would not see the group's SIGTERM
    await cache.aclose()


@pytest.mark.property(10, level="component")
async def test_reads_fall_back_while_redis_is_paused_and_caching_resumes(paused_cache: Any) -> None:
    await check_cache_failure_fallback(*paused_cache)


@pytest.mark.property(10, level="component")
@pytest.mark.parametrize(
    ("url", "description"),
    [
        (None, "a Redis URL on a closed port (connection refused)"),
        (UNROUTABLE_URL, "a Redis URL at an unroutable address (connects never complete)"),
    ],
    ids=["refused", "unreachable"],
)
async def test_reads_fall_back_while_redis_is_down(
    gauntlet_config: GauntletConfig, url: str | None, description: str
) -> None:
    cache = _build(gauntlet_config, url or f"redis://127.0.0.1:{free_port()}/0")
    try:
        await check_cache_failure_fallback(cache, AlwaysDown(description))
    finally:
        await cache.aclose()
