"""Property 10 (cache failure fallback): the configured Cache on Redis servers that refuse,
do not answer, or stop answering and come back (private ones: the shared Redis is never
paused), and the target over HTTP when the harness owns its Redis."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gauntlet.bundled import HOST, app_environment
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.redis import start_private_redis
from gauntlet.services.types import PrivateServer
from properties.component.cache_fallback import AlwaysDown, PausedProcess, check_cache_failure_fallback
from properties.component.fixtures import component
from properties.http.cache_fallback import check_cache_failure_fallback as check_fallback_over_http
from properties.http.target import HttpTarget, connect

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


@pytest.fixture
def app_on_private_redis(
    gauntlet_config: GauntletConfig, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[HttpTarget, PausedProcess]]:
    """The bundled app, started by this test on a private redis-server it may pause."""
    if gauntlet_config.target.external:
        pytest.skip(
            f"property 10 (http) cannot run against --target {gauntlet_config.target.url}: it must make the "
            "target's Redis fail and come back, and the harness controls only the Redis of an app it starts "
            "(run without --target to check the bundled app)"
        )
    properties_settings: PropertiesSettings = request.getfixturevalue("properties_settings")
    database_url: str = request.getfixturevalue("database_url")
    redis_key_prefix: str = request.getfixturevalue("redis_key_prefix")
    with ProcessGroup() as group:
        redis = start_private_redis(tmp_path, group=group)
        port = free_port()
        env = {
            **os.environ,
            **app_environment(database_url=database_url, redis_url=redis.url, key_prefix=f"{redis_key_prefix}p10:"),
            **gauntlet_config.target.app_env,
        }
        module = gauntlet_config.target.app_module
        command = [sys.executable, "-m", module, "--host", HOST, "--port", str(port), "--migrate"]
        app = group.start(ManagedProcess("app-p10", command, tmp_path, env=env))
        url = f"http://{HOST}:{port}"
        wait_until(lambda: _ready(url), gauntlet_config.target.startup_timeout_s, f"the app at {url}", process=app)
        fault = PausedProcess(redis.process.pid, description="the app's Redis paused (SIGSTOP)")
        try:
            with httpx.Client(base_url=url, timeout=30.0) as client:
                yield connect(client, properties_settings, openapi="/openapi.json"), fault
        finally:
            if fault.paused:
                fault.heal()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.property(10, level="http")
def test_the_app_answers_from_the_database_while_its_redis_fails(
    app_on_private_redis: tuple[HttpTarget, PausedProcess],
) -> None:
    check_fallback_over_http(*app_on_private_redis)
