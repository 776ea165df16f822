"""2, 3, 4, 5: the configured Repository (the repository layer) on a PostgreSQL database of its own.

- 2: over a table several times ``seq_scan_max_rows`` (statistics ANALYZEd), every
  statement Hypothesis-drawn lookups, listings (filters, text search, later pages),
  creates, deletes and aggregations send is EXPLAINed with its parameters: no
  ``Seq Scan`` on a table above that size.
- 3: every statement the same operations send names its columns (no ``*`` select list,
  no ``t.*``, no ``RETURNING *``).
- 4: following ``next_cursor`` from the first page to the last, with drawn inserts and
  deletes between pages, serves every row that existed at the start (and was not
  deleted) exactly once, nothing twice, strictly in the declared order, only rows of the
  filter; no page query uses OFFSET; a tampered or malformed cursor raises ValueError.
- 5: ``counts_per_day`` equals a Python count over the same rows, per (UTC day,
  category), and the statements it sends return (EXPLAIN ANALYZE) at most as many rows
  as there are groups: the counting happened in SQL.

Each ``check_*`` takes a prepared repository (``Repository`` protocol) and the plain
``postgresql://`` URL of its database (the harness's own connection reads plans).
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import asyncpg
from hypothesis import strategies as st

from gauntlet.components.protocols import CapturedStatement, RecordDraft, Repository, StoredRecord
from properties.component.cache import run_given
from properties.component.sql import (
    EXPLAINABLE,
    explain,
    first_word,
    seq_scanned,
    star_selections,
    tables_above,
    uses_offset,
)
from properties.cursors import alterations as cursor_alterations
from properties.cursors import altered

#: Words of the generated texts; searches pick one of them (not English stop words).
WORDS = ("disk", "latency", "outage", "database", "network", "timeout", "memory", "payment", "login", "queue")
#: Owners of the large table of property 2: each owns a small share, as real tenants do.
OWNERS = 40
#: The large table holds this many times ``seq_scan_max_rows`` rows.
SIZE_FACTOR = 4
EPOCH = datetime(2026, 3, 1, tzinfo=UTC)
#: Offsets a draft's created_at may carry: the repository must compare instants, not wall clocks.
ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))


def texts() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)


def drafts(categories: Sequence[str], instants: st.SearchStrategy[datetime]) -> st.SearchStrategy[RecordDraft]:
    return st.builds(RecordDraft, created_at=instants, category=st.sampled_from(list(categories)), text=texts())


def spread_instants(days: int) -> st.SearchStrategy[datetime]:
    """Instants over ``days`` days to the microsecond, in one of ``ZONES``."""
    return st.tuples(st.integers(0, days * 86_400_000_000 - 1), st.sampled_from(ZONES)).map(
        lambda pair: (EPOCH + timedelta(microseconds=pair[0])).astimezone(pair[1])
    )


#: Few distinct instants, so sort keys tie on created_at and only the id orders them.
tied_instants = st.integers(0, 5).map(lambda second: EPOCH + timedelta(seconds=second))


def as_date(day: Any) -> date:
    return day if isinstance(day, date) else date.fromisoformat(str(day))


def describe(statement: CapturedStatement) -> str:
    return f"{statement.sql}\n    parameters: {statement.parameters!r}"


# ------------------------------------------------------------- the operations of 2 and 3


@dataclass
class World:
    """Owners and the records each is known to hold (kept current across examples)."""

    owners: list[Any]
    records: dict[Any, list[StoredRecord]] = field(default_factory=dict)


@dataclass(frozen=True)
class Get:
    owner: int
    pick: int | None  # None: an id nobody holds


@dataclass(frozen=True)
class List:
    owner: int
    order: int
    limit: int
    category: int | None
    text: str | None
    pages: int


@dataclass(frozen=True)
class Delete:
    owner: int
    pick: int


@dataclass(frozen=True)
class Create:
    owner: int
    draft: RecordDraft


@dataclass(frozen=True)
class Counts:
    owner: int


def operations(repository: Repository) -> st.SearchStrategy[list[Any]]:
    picks = st.integers(0, 10_000)
    one = st.one_of(
        st.builds(Get, owner=picks, pick=st.none() | picks),
        st.builds(
            List, owner=picks, order=picks, limit=st.integers(1, 50), category=st.none() | picks,
            text=st.none() | st.sampled_from(WORDS), pages=st.integers(1, 3),
        ),
        st.builds(Delete, owner=picks, pick=picks),
        st.builds(Create, owner=picks, draft=drafts(repository.categories, spread_instants(30))),
        st.builds(Counts, owner=picks),
    )  # fmt: skip
    return st.lists(one, min_size=1, max_size=6)


async def perform(repository: Repository, world: World, operation: Any) -> None:
    """One drawn operation on one of the world's owners."""
    owner = world.owners[operation.owner % len(world.owners)]
    held = world.records.setdefault(owner, [])
    if isinstance(operation, Get):
        record_id = held[operation.pick % len(held)].id if held and operation.pick is not None else uuid.uuid4()
        await repository.get(owner, record_id)
    elif isinstance(operation, List):
        cursor = None
        categories, orders = repository.categories, repository.orders
        category = None if operation.category is None else categories[operation.category % len(categories)]
        order = orders[operation.order % len(orders)]
        for _ in range(operation.pages):
            page = await repository.list_page(
                owner, limit=operation.limit, cursor=cursor, order=order, category=category, text=operation.text
            )
            cursor = page.next_cursor
            if cursor is None:
                break
    elif isinstance(operation, Delete) and held:
        victim = held.pop(operation.pick % len(held))
        await repository.delete(owner, victim.id)
    elif isinstance(operation, Create):
        held.append(await repository.create(owner, operation.draft))
    elif isinstance(operation, Counts):
        await repository.counts_per_day(owner)


async def seed(repository: Repository, owners: int, rows_per_owner: int) -> World:
    world = World(owners=[await repository.new_owner() for _ in range(owners)])
    for index, owner in enumerate(world.owners):
        batch = [
            RecordDraft(
                created_at=EPOCH + timedelta(minutes=17 * (index * rows_per_owner + n)),
                category=repository.categories[n % len(repository.categories)],
                text=" ".join(WORDS[(n + k) % len(WORDS)] for k in range(3)),
            )
            for n in range(rows_per_owner)
        ]
        world.records[owner] = list(await repository.insert_many(owner, batch))
    return world


# ---------------------------------------------------------------- property 2


async def check_hot_queries_use_indexes(repository: Repository, database_url: str, seq_scan_max_rows: int) -> None:
    """2: no statement of the drawn operations scans a table above ``seq_scan_max_rows`` sequentially."""
    world = await seed(repository, OWNERS, max(1, SIZE_FACTOR * seq_scan_max_rows // OWNERS))
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("ANALYZE")
        large = await tables_above(conn, seq_scan_max_rows)
        assert large, (
            f"after seeding {SIZE_FACTOR * seq_scan_max_rows} records no table holds more than "
            f"{seq_scan_max_rows} rows: insert_many stored nothing?"
        )

        async def every_statement_uses_an_index(ops: list[Any]) -> None:
            with repository.capture() as captured:
                for operation in ops:
                    await perform(repository, world, operation)
            statements = list(captured)
            assert statements, f"capture() recorded nothing while the repository ran {ops}"
            for statement in statements:
                if first_word(statement.sql) not in EXPLAINABLE:
                    continue
                plan = await explain(conn, statement.sql, statement.parameters)
                scanned = [table for table in seq_scanned(plan) if table in large]
                assert not scanned, (
                    f"sequential scan of {', '.join(scanned)} ({', '.join(str(large[t]) for t in scanned)} rows, "
                    f"more than seq_scan_max_rows = {seq_scan_max_rows}) by:\n    {describe(statement)}"
                )

        await run_given(every_statement_uses_an_index, ops=operations(repository))
    finally:
        await conn.close()


# ---------------------------------------------------------------- property 3


async def check_statements_name_their_columns(repository: Repository) -> None:
    """3: no statement the repository sends selects ``*`` or ``table.*`` (or returns ``*``)."""
    with repository.capture() as captured:
        world = await seed(repository, owners=3, rows_per_owner=8)
    seeded = list(captured)

    async def no_star_selections(ops: list[Any]) -> None:
        with repository.capture() as captured:
            for operation in ops:
                await perform(repository, world, operation)
        statements = [*seeded, *captured]
        assert statements, f"capture() recorded nothing while the repository ran {ops}"
        for statement in statements:
            stars = star_selections(statement.sql)
            assert not stars, (
                f"statement selects {stars[0]!r} instead of naming its columns:\n    {describe(statement)}"
            )

    await run_given(no_star_selections, ops=operations(repository))


# ---------------------------------------------------------------- property 4


@dataclass(frozen=True)
class Between:
    """Between two page requests: store ``inserts``, delete the picked rows of the start."""

    inserts: tuple[RecordDraft, ...]
    deletes: tuple[int, ...]


def sort_key(record: StoredRecord) -> tuple[datetime, Any]:
    return (record.created_at, record.id)


async def check_cursor_walks(repository: Repository, *, max_turns: int = 200) -> None:
    """4: every row of the start exactly once, in order, despite writes; no OFFSET; bad cursors refused."""
    categories = list(repository.categories)
    instants = tied_instants | spread_instants(2)

    async def walk_sees_every_row_once(
        *,
        rows: list[RecordDraft],
        order: str,
        category: str | None,
        limit: int,
        between: list[Between],
        alterations: list[tuple[str, int, str]],
    ) -> None:
        owner = await repository.new_owner()
        start = await repository.insert_many(owner, rows)
        expected = {r.id: r for r in start if category is None or r.category == category}
        known = {r.id: r for r in start}
        deleted: set[Any] = set()
        served: list[StoredRecord] = []
        cursors: list[str] = []
        cursor: str | None = None
        with repository.capture() as captured:
            for turn in itertools.count():
                assert turn < max_turns, f"no last page after {max_turns} pages of {len(start)} rows (limit {limit})"
                page = await repository.list_page(owner, limit=limit, cursor=cursor, order=order, category=category)
                assert len(page.items) <= limit, f"a page of {len(page.items)} items for limit {limit}"
                served += page.items
                cursor = page.next_cursor
                if cursor is None:
                    break
                cursors.append(cursor)
                if turn < len(between):
                    step = between[turn]
                    for record in await repository.insert_many(owner, list(step.inserts)):
                        known[record.id] = record
                    for pick in step.deletes:
                        if start:
                            victim = start[pick % len(start)].id
                            if victim not in deleted and await repository.delete(owner, victim):
                                deleted.add(victim)
        for statement in captured:
            assert not uses_offset(statement.sql), f"a page query uses OFFSET (not keyset):\n    {describe(statement)}"
        ids = [record.id for record in served]
        twice = sorted({i for i in ids if ids.count(i) > 1}, key=str)
        assert not twice, f"rows served twice: {twice}"
        strangers = [i for i in ids if i not in known]
        assert not strangers, f"rows served that this owner never stored: {strangers}"
        if category is not None:
            wrong = [r.id for r in served if r.category != category]
            assert not wrong, f"rows outside category={category!r} served: {wrong}"
        missing = [i for i in expected if i not in deleted and i not in ids]
        assert not missing, (
            f"{len(missing)} rows that existed at the start and were never deleted were not served "
            f"(order {order}, limit {limit}, category {category!r}): {missing[:5]}"
        )
        keys = [sort_key(known[i]) for i in ids]
        descending = order == "newest_first"
        for position, (before, after) in enumerate(itertools.pairwise(keys)):
            in_order = before > after if descending else before < after
            assert in_order, (
                f"{order}: item {position + 1} {before} is not strictly "
                f"{'after' if descending else 'before'} item {position + 2} {after} in (created_at, id)"
            )
        for real in cursors[:1]:
            for alteration in alterations:
                bad = altered(real, alteration)
                await refuses(repository, owner, bad, real, order=order, category=category, limit=limit)

    await run_given(
        walk_sees_every_row_once,
        rows=st.lists(drafts(categories, instants), max_size=30),
        order=st.sampled_from(list(repository.orders)),
        category=st.none() | st.sampled_from(categories),
        limit=st.integers(1, 7),
        between=st.lists(
            st.builds(
                Between,
                inserts=st.lists(drafts(categories, instants), max_size=2).map(tuple),
                deletes=st.lists(st.integers(0, 10_000), max_size=2).map(tuple),
            ),
            max_size=6,
        ),
        alterations=st.lists(cursor_alterations, min_size=1, max_size=3),
    )


async def refuses(
    repository: Repository, owner: Any, cursor: str, real: str, *, order: str, category: str | None, limit: int
) -> None:
    """``cursor`` (altered from the real cursor ``real``) raises ValueError instead of serving a page."""
    try:
        page = await repository.list_page(owner, limit=limit, cursor=cursor, order=order, category=category)
    except ValueError:
        return
    raise AssertionError(
        f"cursor {cursor!r} (altered from {real!r}) was accepted instead of raising ValueError: "
        f"served {len(page.items)} items"
    )


# ---------------------------------------------------------------- property 5


async def check_aggregation_in_sql(repository: Repository, database_url: str) -> None:
    """5: per (UTC day, category) counts equal Python's; at most one row per group leaves the database."""
    conn = await asyncpg.connect(database_url)
    categories = list(repository.categories)
    try:

        async def counted_in_sql(rows: list[RecordDraft]) -> None:
            owner = await repository.new_owner()
            await repository.insert_many(owner, rows)
            expected = Counter((row.created_at.astimezone(UTC).date(), row.category) for row in rows)
            with repository.capture() as captured:
                counts = await repository.counts_per_day(owner)
            got = {(as_date(day), category): n for (day, category), n in counts.items()}
            assert got == dict(expected), (
                f"counts per (UTC day, category) differ from a count of the {len(rows)} rows: "
                f"wrong {sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))}; "
                f"got {dict(sorted(got.items()))}, expected {dict(sorted(expected.items()))}"
            )
            transferred = 0
            for statement in captured:
                if first_word(statement.sql) in EXPLAINABLE:
                    plan = await explain(conn, statement.sql, statement.parameters, analyze=True)
                    transferred += int(plan["Actual Rows"])
            assert transferred <= len(expected), (
                f"the aggregation's statements returned {transferred} rows for {len(expected)} groups "
                f"({len(rows)} rows): the counting is not done in SQL; statements:\n    "
                + "\n    ".join(describe(s) for s in captured)
            )

        # More rows than (3 days x categories) groups: some group always holds two rows, so
        # returning the raw rows can never pass for returning the groups.
        groups = 3 * len(categories)
        rows = st.lists(drafts(categories, spread_instants(3)), min_size=groups + 1, max_size=groups + 40)
        await run_given(counted_in_sql, rows=rows)
    finally:
        await conn.close()
