"""StatementRecorder: every statement with its parameters while active, nothing after."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from reference_app.query_analyzer import StatementRecorder


async def test_statements_are_captured_only_while_active(sqlite_engine: AsyncEngine) -> None:
    with StatementRecorder(sqlite_engine) as recorder:
        async with sqlite_engine.connect() as conn:
            await conn.execute(text("SELECT 1 AS one WHERE 1 = :x"), {"x": 1})
            await conn.execute(text("SELECT 2 AS two"))
    async with sqlite_engine.connect() as conn:
        await conn.execute(text("SELECT 3 AS three"))
    assert recorder.sql == ["SELECT 1 AS one WHERE 1 = ?", "SELECT 2 AS two"]
    assert recorder.statements[0].parameters == (1,)
    assert recorder.statements[0].executemany is False


async def test_postgres_statements_keep_the_driver_paramstyle(pg_engine: AsyncEngine) -> None:
    with StatementRecorder(pg_engine) as recorder:
        async with pg_engine.connect() as conn:
            await conn.execute(text("SELECT CAST(:x AS integer) AS x"), {"x": 5})
    captured = [s for s in recorder.statements if "AS x" in s.sql]
    assert len(captured) == 1
    assert "$1" in captured[0].sql
    assert list(captured[0].parameters) == [5]
    recorder.clear()
    assert recorder.statements == []
