"""What a captured SQL statement does: its select lists, its OFFSET, its plan (properties 2–5).

The text checks read tokens, not characters: string literals, quoted identifiers and
comments are single tokens, so ``'*'`` or ``"offset"`` in them never count, and ``count(*)``
(a ``*`` after ``(``) is not a select list. The plans are PostgreSQL's own
``EXPLAIN (FORMAT JSON)``, asked by the harness over its own asyncpg connection with the
statement's captured parameters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

import asyncpg

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<string>[eE]?'(?:[^']|'')*')
  | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<param>\$\d+|%\(\w+\)s|%s|:\w+)
  | (?P<word>[A-Za-z_][A-Za-z_0-9$]*)
  | (?P<number>\d+(?:\.\d*)?)
  | (?P<symbol>::|<=|>=|<>|!=|.)
    """,
    re.DOTALL | re.VERBOSE,
)
#: A ``*`` after one of these opens or continues a select list (``SELECT *``, ``t.*``, ``RETURNING *``).
_STAR_LEADS = frozenset({"select", "distinct", "all", ",", ".", "returning"})
#: Statements whose plan can scan a table; others (SET, SHOW...) are not explained.
EXPLAINABLE = frozenset({"select", "with", "update", "delete", "insert", "values", "table"})


def tokens(sql: str) -> list[str]:
    """Significant tokens; words lower-cased, literals and quoted identifiers kept whole."""
    found = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        text = match.group()
        found.append(text.lower() if kind == "word" else text)
    return found


def star_selections(sql: str) -> list[str]:
    """Each ``*`` select list of ``sql``, shown with the tokens before it (empty: none)."""
    words = tokens(sql)
    return [
        " ".join(words[max(0, index - 3) : index + 1])
        for index, word in enumerate(words)
        if word == "*" and index > 0 and words[index - 1] in _STAR_LEADS
    ]


def uses_offset(sql: str) -> bool:
    return "offset" in tokens(sql)


def first_word(sql: str) -> str:
    words = tokens(sql)
    return words[0] if words else ""


def positional(parameters: Any) -> Sequence[Any]:
    """One parameter set: an executemany's first, a single execution's own."""
    if parameters is None:
        return ()
    if isinstance(parameters, list) and parameters and isinstance(parameters[0], tuple | list):
        return tuple(parameters[0])
    return tuple(parameters)


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


async def explain(conn: asyncpg.Connection, sql: str, parameters: Any, *, analyze: bool = False) -> dict[str, Any]:
    """The root plan node of ``sql``; ``analyze`` runs it (inside a transaction rolled back)."""
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    transaction = conn.transaction()
    await transaction.start()
    try:
        document = await conn.fetchval(f"EXPLAIN ({options}) {sql}", *positional(parameters))
    finally:
        await transaction.rollback()
    plans = json.loads(document) if isinstance(document, str | bytes) else document
    root: dict[str, Any] = plans[0]["Plan"]
    return root


def seq_scanned(plan: dict[str, Any]) -> list[str]:
    return [node["Relation Name"] for node in plan_nodes(plan) if node.get("Node Type") == "Seq Scan"]


async def tables_above(conn: asyncpg.Connection, rows: int) -> dict[str, int]:
    """Tables of the current schema whose (ANALYZEd) estimate exceeds ``rows``."""
    found = await conn.fetch(
        "SELECT c.relname, c.reltuples::bigint AS n FROM pg_class c "
        "JOIN pg_namespace ns ON ns.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND ns.nspname = current_schema() AND c.reltuples > $1",
        rows,
    )
    return {record["relname"]: record["n"] for record in found}
