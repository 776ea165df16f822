"""Property 1 on PostgreSQL: full scan + exact suggestion without an index, index use after."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from reference_app.query_analyzer import IndexSuggestion, QueryAnalyzer, build

from .conftest import table_name

#: Rows per table: enough for the planner to prefer an index for a selective predicate.
ROWS = 20_000
FILTER_COLUMNS = ("category", "region", "code")


async def create_items(engine: AsyncEngine) -> str:
    name = table_name()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                f"CREATE TABLE {name} (id bigserial PRIMARY KEY, category text NOT NULL, region text NOT NULL, "
                f'code integer NOT NULL, "Mixed Case" integer NOT NULL, payload text NOT NULL)'
            )
        )
        await conn.execute(
            text(
                f'INSERT INTO {name} (category, region, code, "Mixed Case", payload) '
                "SELECT 'c' || (i % 2000), 'r' || (i % 1500), i % 3000, i % 2500, repeat('x', 40) "
                "FROM generate_series(1, :rows) AS i"
            ),
            {"rows": ROWS},
        )
    await analyze_table(engine, name)
    return name


async def analyze_table(engine: AsyncEngine, name: str) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"ANALYZE {name}"))


@pytest.fixture(scope="module")
async def items(pg_engine: AsyncEngine) -> str:
    return await create_items(pg_engine)


async def test_an_unindexed_filter_is_a_full_scan_with_an_exact_suggestion(pg_engine: AsyncEngine, items: str) -> None:
    report = await QueryAnalyzer(pg_engine).analyze(f"SELECT id, payload FROM {items} WHERE category = :c", {"c": "c7"})
    assert report.full_scans == (items,)
    assert report.index_scans == ()
    assert report.suggestions == (IndexSuggestion(items, ("category",)),)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(FILTER_COLUMNS), alias=st.sampled_from(["", "AS i", "i"]))
async def test_the_suggestion_names_exactly_the_filtered_column(
    pg_engine: AsyncEngine, items: str, column: str, alias: str
) -> None:
    qualifier = "i." if alias else ""
    value = 7 if column == "code" else f"{column[0]}7"
    sql = f"SELECT id FROM {items} {alias} WHERE {qualifier}{column} = :v"
    report = await QueryAnalyzer(pg_engine).analyze(sql, {"v": value})
    assert report.suggestions == (IndexSuggestion(items, (column,)),)


async def test_several_filtered_columns_are_all_suggested_equality_first(pg_engine: AsyncEngine, items: str) -> None:
    report = await QueryAnalyzer(pg_engine).analyze(
        f'SELECT id FROM {items} WHERE code > $1 AND "Mixed Case" = $2 AND lower(region) = $3', [5, 9, "r1"]
    )
    assert len(report.suggestions) == 1
    assert report.suggestions[0].table == items
    assert report.suggestions[0].columns == ("Mixed Case", "region", "code")


async def test_literals_in_the_statement_are_not_columns(pg_engine: AsyncEngine, items: str) -> None:
    report = await QueryAnalyzer(pg_engine).analyze(f"SELECT id FROM {items} WHERE category = 'region = code'")
    assert report.suggestions == (IndexSuggestion(items, ("category",)),)


async def test_a_full_scan_without_a_filter_suggests_nothing(pg_engine: AsyncEngine, items: str) -> None:
    report = await QueryAnalyzer(pg_engine).analyze(f"SELECT count(*) FROM {items}")
    assert report.full_scans == (items,)
    assert report.suggestions == ()


async def test_once_the_index_exists_the_plan_uses_it_and_nothing_is_suggested(pg_engine: AsyncEngine) -> None:
    name = await create_items(pg_engine)
    analyzer = QueryAnalyzer(pg_engine)
    sql = f"SELECT id, payload FROM {name} WHERE region = :r"
    before = await analyzer.analyze(sql, {"r": "r3"})
    assert before.suggestions == (IndexSuggestion(name, ("region",)),)
    async with pg_engine.begin() as conn:
        await conn.execute(text(f"CREATE INDEX ix_{name}_region ON {name} (region)"))
    await analyze_table(pg_engine, name)
    after = await analyzer.analyze(sql, {"r": "r3"})
    assert after.full_scans == ()
    assert after.index_scans == (name,)
    assert after.index_names == (f"ix_{name}_region",)
    assert after.suggestions == ()
    # A predicate matching most rows is scanned on cost: the index exists, nothing to suggest.
    broad = await analyzer.analyze(f"SELECT id FROM {name} WHERE region <> :r", {"r": "r3"})
    assert broad.full_scans == (name,)
    assert broad.suggestions == ()


async def test_joins_report_each_table(pg_engine: AsyncEngine, items: str) -> None:
    sql = f"SELECT a.id FROM {items} a JOIN {items} b ON b.id = a.code WHERE a.region = :r"
    report = await QueryAnalyzer(pg_engine).analyze(sql, {"r": "r9"})
    assert items in report.full_scans
    assert report.suggestions == (IndexSuggestion(items, ("region",)),)


async def test_build_from_a_url_owns_its_engine(analyzer_database: str, items: str) -> None:
    analyzer = build(database_url=analyzer_database)
    try:
        report = await analyzer.analyze(f"SELECT id FROM {items} WHERE id = :id", {"id": 1})
        assert report.index_scans == (items,)
        assert report.full_scans == ()
    finally:
        await analyzer.aclose()
