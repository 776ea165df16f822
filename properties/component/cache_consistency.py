"""9 (component): data modification invalidates the cache, through the ``Cache`` protocol.

A dict is the "database" (the source of truth); fetchers read it when called, as a query
would. Writes change the dict, then call ``invalidate`` (the app's commit-then-invalidate
order). After every acknowledged write, every later ``get_or_fetch`` of an item, of the
list of items or of an aggregate returns what the dict holds, and ``get`` returns that or
nothing (a miss).

The race of the statement is played out with asyncio events, never sleeps: a reader whose
lookup missed is held inside its fetcher after reading the OLD row; the write commits and
invalidates; a reader that starts only now must see the new row (it must not join the old
fetch); then the old reader is released. Its old value may be its own answer (it started
before the write) but must never be stored: every later read sees the new value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from gauntlet.components.protocols import Cache
from properties.component.cache import PUBLIC_SCOPE, fresh_resource, run_given, short

#: Items the generated histories write and read.
ITEM_IDS = (0, 1, 2)
#: Seconds a reader may take to reach its fetcher, or to answer while another fetch is held
#: (it needs one lookup and an instant fetch: only a reader blocked on the held fetch waits).
REACH_FETCH_S = 5.0

operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.sampled_from(ITEM_IDS), st.integers(-1000, 1000)),
        st.tuples(st.just("delete"), st.sampled_from(ITEM_IDS), st.just(0)),
        st.tuples(st.just("read"), st.sampled_from(ITEM_IDS), st.just(0)),
        st.tuples(st.just("read_list"), st.just(0), st.just(0)),
        st.tuples(st.just("read_aggregate"), st.just(0), st.just(0)),
        st.tuples(st.just("peek"), st.sampled_from(ITEM_IDS), st.just(0)),
        st.tuples(st.just("race"), st.sampled_from(ITEM_IDS), st.integers(-1000, 1000)),
    ),
    min_size=1,
    max_size=14,
)


@dataclass
class Store:
    """The database: item id -> value; what each read must reflect."""

    rows: dict[int, int] = field(default_factory=dict)

    def item(self, item_id: int) -> dict[str, Any]:
        if item_id not in self.rows:
            return {"id": item_id, "deleted": True}  # a 404, cacheable like a row
        return {"id": item_id, "value": self.rows[item_id]}

    def items(self) -> list[dict[str, Any]]:
        return [self.item(i) for i in sorted(self.rows)]

    def aggregate(self) -> dict[str, int]:
        return {"count": len(self.rows), "sum": sum(self.rows.values())}


class History:
    """One generated history over fresh resources: items and aggregates (as the app's
    incidents and analytics; a write to an item invalidates both)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.store = Store()
        self.items = fresh_resource("gauntlet-p9-items")
        self.aggregates = fresh_resource("gauntlet-p9-aggregates")
        self.log: list[str] = []

    def key(self, name: str) -> tuple[str, str]:
        """(key, resource) of a read: ``item:<id>``, ``list`` or ``aggregate``."""
        resource = self.aggregates if name == "aggregate" else self.items
        return self.cache.make_key(resource, PUBLIC_SCOPE, {"read": name}), resource

    def query(self, name: str) -> Callable[[], Any]:
        if name == "list":
            return self.store.items
        if name == "aggregate":
            return self.store.aggregate
        return lambda: self.store.item(int(name.split(":")[1]))

    async def write(self, item_id: int, value: int | None) -> None:
        """Commit, then invalidate every resource the write changes."""
        if value is None:
            self.store.rows.pop(item_id, None)
        else:
            self.store.rows[item_id] = value
        for resource in (self.items, self.aggregates):
            await self.cache.invalidate(resource)

    async def read(self, name: str, *, after: str) -> Any:
        """``get_or_fetch`` of ``name``: must equal what the database holds now."""
        key, resource = self.key(name)
        query = self.query(name)

        async def fetch() -> Any:
            await asyncio.sleep(0)
            return query()

        got = await self.cache.get_or_fetch(key, fetch, resource=resource)
        expected = query()
        assert got == expected, (
            f"stale read: get_or_fetch({name}) returned {short(got)}, the database holds {short(expected)} "
            f"({after}; history: {'; '.join(self.log)})"
        )
        return got

    async def reads_reflect(self, after: str) -> None:
        for name in [*(f"item:{i}" for i in ITEM_IDS), "list", "aggregate"]:
            await self.read(name, after=after)

    async def peek(self, item_id: int) -> None:
        """``get`` returns the current row or nothing, never an overwritten one."""
        key, _ = self.key(f"item:{item_id}")
        got = await self.cache.get(key)
        expected = self.store.item(item_id)
        assert got is None or got == expected, (
            f"stale entry: get(item:{item_id}) returned {short(got)}, the database holds {short(expected)} "
            f"(history: {'; '.join(self.log)})"
        )

    async def race(self, item_id: int, value: int) -> None:
        """A read that fetched the old row before a write finishes after its invalidation."""
        name = f"item:{item_id}"
        key, resource = self.key(name)
        old = self.store.item(item_id)
        reached, release = asyncio.Event(), asyncio.Event()

        async def held_fetch() -> Any:
            row = self.store.item(item_id)  # read before the write commits
            reached.set()
            await release.wait()
            return row

        reader = asyncio.create_task(self.cache.get_or_fetch(key, held_fetch, resource=resource))
        reaching = asyncio.create_task(reached.wait())
        done, _ = await asyncio.wait({reader, reaching}, timeout=REACH_FETCH_S, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:  # a hit: the reader never fetched, there is no race to play
            reaching.cancel()
            assert reader.result() == old, (
                f"stale read: a hit on {name} returned {short(reader.result())}, the database holds {short(old)}"
            )
        assert done, f"a reader of {name} neither returned nor called its fetcher within {REACH_FETCH_S} s"
        await self.write(item_id, value)
        self.log.append(f"write {name}={value} while a reader held the old row")
        # A reader that starts after the invalidation, while the old fetch is still held.
        fresh = asyncio.create_task(
            self.read(name, after=f"a read that started after writing {name}={value}, the old fetch still held")
        )
        finished, _ = await asyncio.wait({fresh}, timeout=REACH_FETCH_S)
        release.set()
        if not finished:
            await asyncio.wait({fresh, reader}, timeout=REACH_FETCH_S)
            fresh.cancel()
            raise AssertionError(
                f"a read of {name} that started after the write (and its invalidation) was still waiting "
                f"{REACH_FETCH_S} s later, until the fetch that started BEFORE the write was released: it "
                "joined the old fetch (single flight not detached on invalidate)"
            )
        fresh.result()
        answered = await reader
        assert answered in (old, self.store.item(item_id)), (
            f"the held reader of {name} returned {short(answered)}, neither the old {short(old)} nor the new row"
        )
        await self.reads_reflect(after=f"the reader that fetched {name} before writing {value} finished")


async def check_writes_invalidate(cache: Cache) -> None:
    """9: after every acknowledged write + invalidate, every later read reflects it."""

    # Played once explicitly before the generated histories: a write after warm reads,
    # then the statement's race on a cold key.
    history = History(cache)
    await history.write(0, 1)
    await history.reads_reflect(after="write item:0=1")
    await history.write(0, 2)
    history.log.append("write item:0=2 after reading everything")
    await history.reads_reflect(after="write item:0=2")
    history = History(cache)
    await history.write(0, 1)
    await history.race(0, 2)

    async def no_read_is_stale_after_a_write(ops: list[tuple[str, int, int]]) -> None:
        history = History(cache)
        for op, item_id, value in ops:
            if op == "write":
                await history.write(item_id, value)
                history.log.append(f"write item:{item_id}={value}")
                await history.reads_reflect(after=f"write item:{item_id}={value}")
            elif op == "delete":
                await history.write(item_id, None)
                history.log.append(f"delete item:{item_id}")
                await history.reads_reflect(after=f"delete item:{item_id}")
            elif op == "race":
                await history.race(item_id, value)
            elif op == "peek":
                await history.peek(item_id)
            else:
                name = {"read": f"item:{item_id}", "read_list": "list", "read_aggregate": "aggregate"}[op]
                await history.read(name, after="a read")
                history.log.append(f"read {name}")

    await run_given(no_read_is_stale_after_a_write, ops=operations)
