"""``QueryAnalyzer``: EXPLAIN a statement on its engine and say what the plan does."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reference_app.query_analyzer.errors import UnsupportedDatabaseError
from reference_app.query_analyzer.explain import Params
from reference_app.query_analyzer.postgres import PostgresPlanReader
from reference_app.query_analyzer.report import PlanReport
from reference_app.query_analyzer.sqlite import SqlitePlanReader


class PlanReader(Protocol):
    async def analyze(self, conn: AsyncConnection, sql: str, params: Params) -> PlanReport: ...


_READERS: dict[str, type[PlanReader]] = {"postgresql": PostgresPlanReader, "sqlite": SqlitePlanReader}


class QueryAnalyzer:
    """Full scans, index use and index suggestions for one statement (property 1).

    Example::

        analyzer = QueryAnalyzer(engine)
        report = await analyzer.analyze("SELECT id FROM incidents WHERE status = :s", {"s": "open"})
        if report.suggestions:
            print(report.suggestions[0])   # IndexSuggestion(table='incidents', columns=('status',))

    The statement is explained, never executed; the connection is rolled back after.
    """

    def __init__(self, engine: AsyncEngine, *, owns_engine: bool = False) -> None:
        dialect = engine.dialect.name
        if dialect not in _READERS:
            raise UnsupportedDatabaseError(
                f"no query plan reader for {dialect!r}; supported: {', '.join(sorted(_READERS))}. "
                "Example: create_async_engine('postgresql+asyncpg://...')"
            )
        self._engine = engine
        self._owns_engine = owns_engine
        self._reader = _READERS[dialect]()

    async def analyze(self, sql: str, params: Params = None) -> PlanReport:
        async with self._engine.connect() as conn:
            try:
                return await self._reader.analyze(conn, sql, params)
            finally:
                await conn.rollback()

    async def aclose(self) -> None:
        if self._owns_engine:
            await self._engine.dispose()
