"""Property 1 (component): the QueryAnalyzer reports full scans with an index suggestion, then index use.

Each example builds a scratch table of its own (generated name, columns and predicate
column), asks the analyzer about an equality filter before and after an index on the
filtered column exists, and checks the two reports.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from hypothesis import strategies as st

from gauntlet.components.protocols import QueryAnalyzer
from properties.component.cache import run_given

#: Rows per scratch table: enough that SQLite's planner has something to choose between.
ROWS = 200

identifiers = st.from_regex(r"[a-z][a-z0-9]{2,8}", fullmatch=True)
tables = st.builds(lambda stem: f"p1_{stem}", identifiers)
column_sets = st.lists(identifiers.map(lambda s: f"c_{s}"), min_size=1, max_size=4, unique=True)


def _create_table(path: Path, table: str, columns: list[str]) -> None:
    with sqlite3.connect(path) as db:
        db.execute(f"DROP TABLE IF EXISTS {table}")
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(f'{c} INTEGER' for c in columns)})")
        values = ", ".join("?" for _ in columns)
        rows = [tuple((i * (k + 7)) % 97 for k in range(len(columns))) for i in range(ROWS)]
        # No ANALYZE: without statistics SQLite always prefers an index for an equality.
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})", rows)  # noqa: S608 - generated identifiers


def _create_index(path: Path, table: str, column: str) -> str:
    name = f"ix_{table}_{column}"
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE INDEX {name} ON {table} ({column})")
    return name


def _suggested(report: Any) -> list[tuple[str, tuple[str, ...]]]:
    return [(s.table, tuple(s.columns)) for s in report.suggestions]


async def _analyze(make_analyzer: Callable[[], Any], sql: str) -> Any:
    # A fresh analyzer per question: the reference one over aiosqlite kept reporting the
    # pre-index plan on its pooled connection after CREATE INDEX (see the report).
    analyzer: QueryAnalyzer = make_analyzer()
    try:
        return await analyzer.analyze(sql, {"value": 5})
    finally:
        await analyzer.aclose()  # type: ignore[attr-defined]


async def check_plan_analysis_sqlite(make_analyzer: Callable[[], Any], path: Path) -> None:
    """1 on SQLite: full scan + suggestion on exactly the filtered column; index use, no suggestion."""

    serial = itertools.count()

    async def full_scan_then_index(table: str, columns: list[str], pick: int) -> None:
        # A fresh name per example: a pooled analyzer connection may hold a cached schema.
        table = f"{table}_{next(serial)}"
        column = columns[pick % len(columns)]
        _create_table(path, table, columns)
        sql = f"SELECT id, {', '.join(columns)} FROM {table} WHERE {column} = :value"  # noqa: S608 - generated identifiers
        before = await _analyze(make_analyzer, sql)
        assert table in before.full_scans, f"no full scan of {table} reported without an index: {before}"
        assert _suggested(before) == [(table, (column,))], (
            f"expected exactly one suggestion: index {table}({column}); got {before.suggestions}"
        )
        index = _create_index(path, table, column)
        after = await _analyze(make_analyzer, sql)
        assert table in after.index_scans, f"index {index} exists but no index use reported: {after}"
        assert table not in after.full_scans, f"full scan still reported with {index}: {after}"
        assert not after.suggestions, f"suggestion despite existing index {index}: {after.suggestions}"

    await run_given(full_scan_then_index, table=tables, columns=column_sets, pick=st.integers(0, 3))


#: Rows per PostgreSQL scratch table: with ANALYZE the planner prefers an index at this size.
PG_ROWS = 5000


def _pg_create_table(url: str, table: str, columns: list[str]) -> None:
    cols = ", ".join(f"{c} integer" for c in columns)
    fills = ", ".join(f"(g * {k + 7}) % 4999" for k in range(len(columns)))
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, {cols})")
        db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {fills} FROM generate_series(1, {PG_ROWS}) g"  # noqa: S608 - generated identifiers
        )
        db.execute(f"ANALYZE {table}")


def _pg_create_index(url: str, table: str, column: str) -> str:
    name = f"ix_{table}_{column}"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"CREATE INDEX {name} ON {table} ({column})")
        db.execute(f"ANALYZE {table}")
    return name


async def check_plan_analysis_postgres(make_analyzer: Callable[[], Any], url: str) -> None:
    """1 on PostgreSQL (a fresh database of the caller's): same two reports as on SQLite."""
    serial = itertools.count()

    async def full_scan_then_index(table: str, columns: list[str], pick: int) -> None:
        table = f"{table}_{next(serial)}"
        column = columns[pick % len(columns)]
        _pg_create_table(url, table, columns)
        sql = f"SELECT id, {', '.join(columns)} FROM {table} WHERE {column} = :value"  # noqa: S608 - generated identifiers
        before = await _analyze(make_analyzer, sql)
        assert table in before.full_scans, f"no full scan of {table} reported without an index: {before}"
        assert _suggested(before) == [(table, (column,))], (
            f"expected exactly one suggestion: index {table}({column}); got {before.suggestions}"
        )
        index = _pg_create_index(url, table, column)
        after = await _analyze(make_analyzer, sql)
        assert table in after.index_scans, f"index {index} exists but no index use reported: {after}"
        assert table not in after.full_scans, f"full scan still reported with {index}: {after}"
        assert not after.suggestions, f"suggestion despite existing index {index}: {after.suggestions}"

    await run_given(full_scan_then_index, table=tables, columns=column_sets, pick=st.integers(0, 3))
