"""The tokenizer and WHERE-clause reader behind SQLite suggestions."""

from __future__ import annotations

import pytest

from reference_app.query_analyzer.columns import column_refs, ordered_columns
from reference_app.query_analyzer.statement import parse_statement
from reference_app.query_analyzer.tokens import tokenize

COLUMNS = {"a", "b", "c", "Mixed Case", "status"}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT a FROM t WHERE b = :b", ("b",)),
        ("SELECT a FROM t WHERE t.b = 1 AND c > 2", ("b", "c")),
        ("SELECT a FROM t AS x WHERE x.c < 2 AND x.b IN (1, 2)", ("b", "c")),
        ("SELECT a FROM t x WHERE (b = 1 OR c = 2) ORDER BY a LIMIT 3", ("b", "c")),
        ('SELECT a FROM t WHERE "Mixed Case" = ? GROUP BY a', ("Mixed Case",)),
        ("SELECT a FROM t WHERE status = 'a = b' -- c = 1", ("status",)),
        ("SELECT a FROM t WHERE lower(b) = $1", ("b",)),
        ("SELECT a FROM t WHERE a IS NULL", ("a",)),
        ("SELECT a FROM t", ()),
        ("SELECT a FROM t JOIN u ON u.a = t.a WHERE u.b = 1", ()),
        ("UPDATE t SET a = 1 WHERE c = 2", ("c",)),
        ("DELETE FROM t WHERE b = :b", ("b",)),
        ("SELECT a FROM t WHERE b = 1 AND a IN (SELECT c FROM u WHERE status = 2)", ("b", "a")),
    ],
)
def test_filtered_columns_of_table_t(sql: str, expected: tuple[str, ...]) -> None:
    shape = parse_statement(sql)
    alias = "x" if " x " in sql else "t"
    assert ordered_columns(shape.filtered(alias, COLUMNS), COLUMNS) == expected


def test_aliases_map_back_to_tables() -> None:
    shape = parse_statement("SELECT 1 FROM main.items AS i, other o JOIN third ON 1 = 1")
    assert [shape.table_of(n) for n in ("i", "o", "third", "unknown")] == ["items", "other", "third", "unknown"]


def test_casts_and_functions_are_not_columns() -> None:
    refs = column_refs(tokenize("((t.a)::character varying = 'x'::text) AND (date_trunc('day', b) > now())"))
    assert [(r.qualifier, r.name) for r in refs] == [("t", "a"), (None, "b")]
    assert refs[0].equality
