"""SQLite: ``EXPLAIN QUERY PLAN``, one ``detail`` line per step.

- ``SCAN t`` (``SCAN TABLE t`` before 3.36) → full scan; the filtered columns come from
  the statement's WHERE clauses (:mod:`statement`), kept if they are real columns of ``t``;
- ``SEARCH t USING AUTOMATIC [PARTIAL] [COVERING] INDEX (a=?)`` → SQLite builds a
  throw-away index on every run: a full scan, and the columns in parentheses are exactly
  what a permanent index needs;
- ``SEARCH|SCAN t USING [COVERING] INDEX ix`` and ``... USING INTEGER PRIMARY KEY`` →
  index use.

Plans name a table by its alias (``SCAN z`` for ``FROM t AS z``); the statement maps it
back. Names that are not tables (CTEs, subqueries, ``CONSTANT ROW``) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_app.query_analyzer.columns import column_refs, ordered_columns
from reference_app.query_analyzer.explain import Params, run_explain
from reference_app.query_analyzer.report import PlanReport, ReportBuilder
from reference_app.query_analyzer.statement import StatementShape, parse_statement
from reference_app.query_analyzer.tokens import tokenize

_STEP = re.compile(r"^(?:SCAN|SEARCH)(?: TABLE)? (?P<name>\S+)(?: AS (?P<alias>\S+))?(?P<rest>.*)$")
_AUTOMATIC = re.compile(r"USING AUTOMATIC .*INDEX \((?P<cond>.*)\)")
_INDEX = re.compile(r"USING (?:COVERING )?INDEX (?P<index>\S+)")
_PRIMARY_KEY = re.compile(r"USING (?:INTEGER )?PRIMARY KEY")
_IS_TABLE = text("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = :name")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqlitePlanReader:
    async def analyze(self, conn: AsyncConnection, sql: str, params: Params) -> PlanReport:
        rows = (await run_explain(conn, "EXPLAIN QUERY PLAN", sql, params)).all()
        shape = parse_statement(sql)
        builder = ReportBuilder()
        for row in rows:
            step = _STEP.match(str(row[-1]))
            if step is None:
                continue
            table = step["name"] if step["alias"] else shape.table_of(step["name"])
            if not (await conn.execute(_IS_TABLE, {"name": table})).first():
                continue
            rest = step["rest"]
            automatic = _AUTOMATIC.search(rest)
            index = _INDEX.search(rest)
            if automatic is not None:
                builder.full_scan(table)
                await self._suggest_from_condition(conn, builder, table, automatic["cond"])
            elif index is not None:
                builder.index_scan(table, index["index"])
            elif _PRIMARY_KEY.search(rest):
                builder.index_scan(table, f"{table} PRIMARY KEY")
            elif "USING" not in rest:
                builder.full_scan(table)
                await self._suggest_from_where(conn, builder, table, step["alias"] or step["name"], shape)
        return builder.build()

    async def _suggest_from_where(
        self, conn: AsyncConnection, builder: ReportBuilder, table: str, seen_as: str, shape: StatementShape
    ) -> None:
        columns = await self._columns(conn, table)
        chosen = ordered_columns(shape.filtered(seen_as, columns), columns)
        if chosen and not (await self._index_leads(conn, table)).intersection(chosen):
            builder.suggest(table, chosen)

    async def _suggest_from_condition(
        self, conn: AsyncConnection, builder: ReportBuilder, table: str, cond: str
    ) -> None:
        columns = await self._columns(conn, table)
        builder.suggest(table, ordered_columns(column_refs(tokenize(cond)), columns))

    @staticmethod
    async def _columns(conn: AsyncConnection, table: str) -> set[str]:
        rows: Sequence[Any] = (await conn.exec_driver_sql(f"PRAGMA table_info({_quote(table)})")).all()
        return {str(row[1]) for row in rows}

    @staticmethod
    async def _index_leads(conn: AsyncConnection, table: str) -> set[str]:
        leads: set[str] = set()
        indexes: Sequence[Any] = (await conn.exec_driver_sql(f"PRAGMA index_list({_quote(table)})")).all()
        for index in indexes:
            info: Sequence[Any] = (await conn.exec_driver_sql(f"PRAGMA index_info({_quote(str(index[1]))})")).all()
            leads.update(str(row[2]) for row in info if row[0] == 0 and row[2] is not None)
        return leads
