"""Property 1 on SQLite (EXPLAIN QUERY PLAN), with the statement's WHERE giving the columns."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from reference_app.query_analyzer import IndexSuggestion, QueryAnalyzer

from .conftest import table_name

ROWS = 2_000


async def create_items(engine: AsyncEngine) -> str:
    name = table_name()
    async with engine.begin() as conn:
        await conn.execute(
            text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, category TEXT, region TEXT, code INTEGER)")
        )
        await conn.execute(
            text(f"INSERT INTO {name} (category, region, code) VALUES (:c, :r, :n)"),
            [{"c": f"c{i % 50}", "r": f"r{i % 30}", "n": i % 70} for i in range(ROWS)],
        )
    return name


async def test_an_unindexed_filter_is_a_full_scan_with_an_exact_suggestion(sqlite_engine: AsyncEngine) -> None:
    name = await create_items(sqlite_engine)
    analyzer = QueryAnalyzer(sqlite_engine)
    sql = f"SELECT id, region FROM {name} AS z WHERE z.category = :c AND code > :n ORDER BY id"
    report = await analyzer.analyze(sql, {"c": "c1", "n": 3})
    assert report.full_scans == (name,)
    assert report.suggestions == (IndexSuggestion(name, ("category", "code")),)

    async with sqlite_engine.begin() as conn:
        await conn.execute(text(f"CREATE INDEX ix_{name}_category ON {name} (category)"))
    after = await analyzer.analyze(sql, {"c": "c1", "n": 3})
    assert after.full_scans == ()
    assert after.index_scans == (name,)
    assert after.index_names == (f"ix_{name}_category",)
    assert after.suggestions == ()


async def test_positional_and_literal_statements(sqlite_engine: AsyncEngine) -> None:
    name = await create_items(sqlite_engine)
    analyzer = QueryAnalyzer(sqlite_engine)
    positional = await analyzer.analyze(f"SELECT id FROM {name} WHERE region = ?", ["r1"])
    assert positional.suggestions == (IndexSuggestion(name, ("region",)),)
    literal = await analyzer.analyze(f"SELECT id FROM {name} WHERE code = 3 AND 'region' = 'x'")
    assert literal.suggestions == (IndexSuggestion(name, ("code",)),)
    by_key = await analyzer.analyze(f"SELECT id FROM {name} WHERE id = 3")
    assert (by_key.full_scans, by_key.index_scans, by_key.suggestions) == ((), (name,), ())


async def test_a_subquery_filter_is_attributed_to_its_own_table(sqlite_engine: AsyncEngine) -> None:
    outer, inner = await create_items(sqlite_engine), await create_items(sqlite_engine)
    sql = f"SELECT o.id FROM {outer} o WHERE o.region = :r AND o.code IN (SELECT code FROM {inner} WHERE category = :c)"
    report = await QueryAnalyzer(sqlite_engine).analyze(sql, {"r": "r1", "c": "c2"})
    assert set(report.full_scans) == {outer, inner}
    assert set(report.suggestions) == {
        IndexSuggestion(outer, ("region", "code")),  # ``code IN (...)`` filters the outer table too
        IndexSuggestion(inner, ("category",)),
    }


async def test_an_automatic_index_is_reported_as_a_missing_one(sqlite_engine: AsyncEngine) -> None:
    left, right = await create_items(sqlite_engine), await create_items(sqlite_engine)
    sql = f"SELECT l.id FROM {left} l JOIN {right} r ON r.code = l.code WHERE l.id < 100"
    report = await QueryAnalyzer(sqlite_engine).analyze(sql)
    assert IndexSuggestion(right, ("code",)) in report.suggestions
    assert right in report.full_scans
