"""EXPLAIN-based query analysis (property 1) and statement capture (properties 2, 3).

``build`` is the factory the harness calls by default
(``[components] query_analyzer = "reference_app.query_analyzer:build"``).
"""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from reference_app.query_analyzer.analyzer import QueryAnalyzer
from reference_app.query_analyzer.errors import QueryAnalyzerError, UnsupportedDatabaseError
from reference_app.query_analyzer.recorder import RecordedStatement, StatementRecorder
from reference_app.query_analyzer.report import IndexSuggestion, PlanReport

__all__ = [
    "IndexSuggestion",
    "PlanReport",
    "QueryAnalyzer",
    "QueryAnalyzerError",
    "RecordedStatement",
    "StatementRecorder",
    "UnsupportedDatabaseError",
    "async_database_url",
    "build",
]

#: Async driver used when a URL names none (``postgresql://`` → asyncpg).
ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}


def async_database_url(url: str) -> str:
    """``postgresql://u@h/db`` → ``postgresql+asyncpg://u@h/db``; explicit drivers are kept."""
    parsed = make_url(url)
    if "+" not in parsed.drivername and parsed.drivername in ASYNC_DRIVERS:
        parsed = parsed.set(drivername=f"{parsed.drivername}+{ASYNC_DRIVERS[parsed.drivername]}")
    return parsed.render_as_string(hide_password=False)


def build(*, engine: AsyncEngine | None = None, database_url: str | None = None) -> QueryAnalyzer:
    """An analyzer over an existing engine (left open) or a URL (engine owned, ``aclose`` disposes).

    >>> analyzer = build(database_url="sqlite:///app.db")
    """
    if engine is not None:
        return QueryAnalyzer(engine)
    if database_url is None:
        raise QueryAnalyzerError(
            "build() needs engine= or database_url=. Example: build(database_url='sqlite:///app.db')"
        )
    return QueryAnalyzer(create_async_engine(async_database_url(database_url)), owns_engine=True)
