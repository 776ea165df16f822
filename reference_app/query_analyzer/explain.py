"""Run ``EXPLAIN`` over a statement with its parameters, as the driver expects them.

A mapping binds ``:name`` parameters (SQLAlchemy ``text``); a sequence is passed to the
driver as is, in its own paramstyle (``$1`` for asyncpg, ``?`` for SQLite); ``None`` runs
the text untouched (no bind parsing, so a ``:`` inside a literal is safe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Result, text
from sqlalchemy.ext.asyncio import AsyncConnection

#: What ``QueryAnalyzer.analyze`` accepts as parameters.
Params = Mapping[str, Any] | Sequence[Any] | None


async def run_explain(conn: AsyncConnection, prefix: str, sql: str, params: Params) -> Result[Any]:
    statement = f"{prefix} {sql}"
    if params is None:
        return await conn.exec_driver_sql(statement)
    if isinstance(params, Mapping):
        return await conn.execute(text(statement), dict(params))
    if isinstance(params, str | bytes):
        raise TypeError(f"params must be a mapping or a sequence of values, got {type(params).__name__}")
    return await conn.exec_driver_sql(statement, tuple(params))
