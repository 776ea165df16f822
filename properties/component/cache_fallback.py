"""10 (component): cache failure fallback, through the ``Cache`` protocol.

With its Redis refusing connections, unreachable, or too slow (a private redis-server
stopped with SIGSTOP, so every reply takes longer than the cache's timeout):

- ``get_or_fetch`` returns the fetcher's value (the database's) and ``get`` returns nothing
  or that value; ``set`` and ``invalidate`` return without raising;
- every lookup is counted once and the failures as errors (``counters().errors`` moves);

and once Redis answers again (SIGCONT), within ``RECOVERY_BOUND_S``:

- a value set is read back and a ``get_or_fetch`` on it is a hit (caching resumed);
- a write made while Redis was down (database changed + ``invalidate``) is reflected: the
  entry cached before the outage is never served again.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from gauntlet.components.protocols import Cache, CacheCounters
from properties.component.cache import (
    PUBLIC_SCOPE,
    Fetcher,
    canonical,
    fresh_resource,
    json_scalars,
    json_text,
    run_given,
    short,
)

T = TypeVar("T")

#: Seconds the cache gets to serve from Redis again after it returns (a breaker's open
#: period, a reconnect). Polled: a cache that recovers at once ends the wait at once.
RECOVERY_BOUND_S = 10.0
#: Pause between recovery attempts.
RECOVERY_POLL_S = 0.1
#: Seconds one cache call may take while Redis fails before it counts as hanging (the
#: cache's own timeout is far below; this only keeps a broken cache from hanging the suite).
CALL_BOUND_S = 30.0
#: Values a failing Redis is exercised with: small JSON (the failure, not the size, matters).
small_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_text, children, max_size=4),
    max_leaves=8,
)


class CacheFault(Protocol):
    """Makes the cache's Redis fail and, when ``can_heal``, answer again."""

    description: str
    can_heal: bool

    def break_(self) -> None: ...

    def heal(self) -> None: ...


@dataclass
class AlwaysDown:
    """A Redis URL nothing answers at (a closed port, an unroutable address)."""

    description: str
    can_heal: bool = False

    def break_(self) -> None:
        pass

    def heal(self) -> None:
        raise AssertionError(f"{self.description} cannot come back")


@dataclass
class PausedProcess:
    """A PRIVATE redis-server stopped with SIGSTOP (connections open, no replies) and resumed
    with SIGCONT. Never give it the shared Redis's pid."""

    pid: int
    description: str = "a private redis-server paused with SIGSTOP (slower than any timeout)"
    can_heal: bool = True
    paused: bool = False

    def break_(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)
        self.paused = True

    def heal(self) -> None:
        os.kill(self.pid, signal.SIGCONT)
        self.paused = False


async def _no_raise(operation: str, call: Awaitable[T], fault: CacheFault) -> T:
    """The call's result; any exception (or a hang) is the property failing."""
    try:
        async with asyncio.timeout(CALL_BOUND_S):
            return await call
    except TimeoutError:
        raise AssertionError(f"{operation} hung for {CALL_BOUND_S} s with {fault.description}") from None
    except Exception as exc:
        raise AssertionError(
            f"{operation} raised {type(exc).__name__}: {exc} with {fault.description}: "
            "a cache failure must fall back to the database, not reach the caller"
        ) from exc


def _moved(before: CacheCounters, after: CacheCounters) -> tuple[int, int, int]:
    return after.hits - before.hits, after.misses - before.misses, after.errors - before.errors


async def check_fallback_while_down(cache: Cache, fault: CacheFault) -> None:
    """Reads answer from the fetcher, writes do not raise, failures are counted as errors."""

    async def served_from_the_database(value: Any) -> None:
        resource = fresh_resource("gauntlet-p10")
        key = cache.make_key(resource, PUBLIC_SCOPE, {"v": 1})
        before = cache.counters()
        fetch = Fetcher(value)
        got = await _no_raise("get_or_fetch", cache.get_or_fetch(key, fetch, resource=resource), fault)
        assert canonical(got) == canonical(value), (
            f"get_or_fetch returned {short(got)}, the database (fetcher) {short(value)}, with {fault.description}"
        )
        assert fetch.calls == 1, f"get_or_fetch called the fetcher {fetch.calls} times, with {fault.description}"
        await _no_raise("set", cache.set(key, value, resource=resource), fault)
        await _no_raise("invalidate", cache.invalidate(resource), fault)
        peeked = await _no_raise("get", cache.get(key), fault)
        assert peeked is None or canonical(peeked) == canonical(value), (
            f"get returned {short(peeked)}, neither nothing nor the value {short(value)}, with {fault.description}"
        )
        moved = _moved(before, cache.counters())
        assert moved[2] >= 1, (
            f"two lookups with {fault.description} moved the counters (hits, misses, errors) by {moved}: "
            "the failures were not counted as errors"
        )
        assert sum(moved) == 2, f"two lookups moved the counters (hits, misses, errors) by {moved}, not by 2 in all"

    await run_given(served_from_the_database, value=small_values)


async def check_caching_resumes(cache: Cache, fault: CacheFault) -> None:
    """Within RECOVERY_BOUND_S of Redis returning, a set value is served as a hit."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECOVERY_BOUND_S
    attempts, last = 0, ""
    while True:
        attempts += 1
        resource = fresh_resource("gauntlet-p10-back")
        key = cache.make_key(resource, PUBLIC_SCOPE, {})
        value = {"back": attempts}
        await _no_raise("set", cache.set(key, value, resource=resource), fault)
        before = cache.counters()
        fetch = Fetcher({"fetched": "instead of the cached value"})
        got = await _no_raise("get_or_fetch", cache.get_or_fetch(key, fetch, resource=resource), fault)
        moved = _moved(before, cache.counters())
        if got == value and fetch.calls == 0 and moved == (1, 0, 0):
            return
        last = f"get_or_fetch returned {short(got)} (fetcher calls {fetch.calls}, counters moved {moved})"
        if loop.time() > deadline:
            raise AssertionError(
                f"caching did not resume within {RECOVERY_BOUND_S} s after {fault.description} answered again "
                f"({attempts} attempts; last: {last})"
            )
        await asyncio.sleep(RECOVERY_POLL_S)


async def check_cache_failure_fallback(cache: Cache, fault: CacheFault) -> None:
    """10: fall back while Redis fails; if it comes back, caching resumes without stale data."""
    resource = fresh_resource("gauntlet-p10-row")
    key = cache.make_key(resource, PUBLIC_SCOPE, {"id": 1})
    if fault.can_heal:
        # A row cached before the outage, changed during it.
        await check_caching_resumes(cache, fault)  # Redis works before the fault
        await cache.get_or_fetch(key, Fetcher({"id": 1, "version": 1}), resource=resource)
        assert await cache.get(key) == {"id": 1, "version": 1}, "with Redis up, a fetched row was not cached"
    fault.break_()
    try:
        await check_fallback_while_down(cache, fault)
        row = Fetcher({"id": 1, "version": 2})  # the row as the write left it
        await _no_raise("invalidate", cache.invalidate(resource), fault)
        got = await _no_raise("get_or_fetch", cache.get_or_fetch(key, row, resource=resource), fault)
        assert got == row.value, f"a read after a write during the outage returned {short(got)}, not {row.value}"
    finally:
        if fault.can_heal:
            fault.heal()
    if not fault.can_heal:
        return
    await check_caching_resumes(cache, fault)
    got = await cache.get_or_fetch(key, Fetcher({"id": 1, "version": 2}), resource=resource)
    assert got == {"id": 1, "version": 2}, (
        f"after Redis returned, the row written during the outage was served as {short(got)}: "
        "the entry cached before the outage survived the write's invalidation"
    )
