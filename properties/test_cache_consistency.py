"""Property 9 (data modification invalidates the cache): the configured Cache on this
session's Redis, and the target over HTTP."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.cache_consistency import check_writes_invalidate
from properties.component.fixtures import component
from properties.http.cache_consistency import check_reads_racing_writes, check_writes_are_reflected
from properties.http.target import HttpTarget

#: Storage timeout of the cache under test: generous, so a slow reply on a loaded machine
#: is not a (correct) fallback that would hide what the property looks at.
CACHE_TIMEOUT_S = 2.0


@pytest.fixture
async def cache(gauntlet_config: GauntletConfig, redis_url: str, redis_key_prefix: str) -> AsyncIterator[Any]:
    prefix = f"{redis_key_prefix}props-p9:{secrets.token_hex(4)}:"
    built = component(gauntlet_config, "cache", redis_url=redis_url, key_prefix=prefix, timeout_s=CACHE_TIMEOUT_S)
    yield built
    await built.aclose()


@pytest.mark.property(9, level="component")
async def test_no_read_is_stale_after_a_write(cache: Any) -> None:
    await check_writes_invalidate(cache)


@pytest.mark.property(9, level="http")
def test_every_read_after_a_write_reflects_it(http: HttpTarget) -> None:
    check_writes_are_reflected(http)


@pytest.mark.property(9, level="http")
def test_reads_sent_after_a_write_racing_other_reads_reflect_it(http: HttpTarget) -> None:
    check_reads_racing_writes(http)
