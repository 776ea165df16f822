"""PostgreSQL: ``EXPLAIN (FORMAT JSON, VERBOSE)``, walked node by node.

``Seq Scan`` → full scan of ``Relation Name``; ``Index Scan``, ``Index Only Scan`` and
``Bitmap Heap/Index Scan`` → index use. For a ``Seq Scan`` with a ``Filter``, the columns
of the filter expression (VERBOSE qualifies them with the node's alias) that are real
columns of the relation (``pg_attribute``) form the suggestion — unless an existing valid
index already starts with one of them (then the planner chose the scan on cost: a new
index would not help).

Limits: a filter on an expression (``lower(name) = 'x'``) suggests the plain column, not
an expression index; join conditions (``Hash Cond``) are not filters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_app.query_analyzer.columns import column_refs, ordered_columns
from reference_app.query_analyzer.explain import Params, run_explain
from reference_app.query_analyzer.report import PlanReport, ReportBuilder
from reference_app.query_analyzer.tokens import tokenize

_INDEX_NODES = frozenset({"Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan"})
_COLUMNS = text(
    "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:rel AS regclass) AND attnum > 0 AND NOT attisdropped"
)
#: First key column of every valid index of the relation (expression indexes have none).
_INDEX_LEADS = text(
    "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
    "WHERE i.indrelid = CAST(:rel AS regclass) AND i.indisvalid"
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


class PostgresPlanReader:
    async def analyze(self, conn: AsyncConnection, sql: str, params: Params) -> PlanReport:
        result = await run_explain(conn, "EXPLAIN (FORMAT JSON, VERBOSE)", sql, params)
        document = result.scalar_one()
        plans = json.loads(document) if isinstance(document, str | bytes) else document
        builder = ReportBuilder()
        for node in plan_nodes(plans[0]["Plan"]):
            kind = node.get("Node Type")
            relation = node.get("Relation Name")
            if kind == "Seq Scan" and relation:
                builder.full_scan(relation)
                if node.get("Filter"):
                    await self._suggest(conn, builder, node)
            elif kind in _INDEX_NODES:
                builder.index_scan(relation, node.get("Index Name"))
        return builder.build()

    async def _suggest(self, conn: AsyncConnection, builder: ReportBuilder, node: dict[str, Any]) -> None:
        relation = node["Relation Name"]
        qualified = f"{_quote(node.get('Schema', 'public'))}.{_quote(relation)}"
        columns = set((await conn.execute(_COLUMNS, {"rel": qualified})).scalars())
        names = {node.get("Alias", relation), relation}
        refs = [r for r in column_refs(tokenize(node["Filter"])) if r.qualifier is None or r.qualifier in names]
        chosen = ordered_columns(refs, columns)
        leads = set((await conn.execute(_INDEX_LEADS, {"rel": qualified})).scalars())
        if chosen and not leads.intersection(chosen):
            builder.suggest(relation, chosen)
