"""Column references in a predicate: ``(i.category = 'x'::text) AND (n > 3)`` → category, n.

Works on PostgreSQL ``Filter`` expressions and on SQL ``WHERE`` clauses alike. Skipped:
literals, parameters, keywords, function names (``lower(`` → not a column, its argument
is), and type names after ``::``. Callers keep only the names that are real columns of the
scanned table, so a stray identifier costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reference_app.query_analyzer.tokens import Token

# fmt: off
#: Words that are never column references in a predicate (unquoted, any case).
PREDICATE_KEYWORDS = frozenset({
    "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE", "ILIKE", "GLOB", "REGEXP", "MATCH", "BETWEEN",
    "EXISTS", "CASE", "WHEN", "THEN", "ELSE", "END", "TRUE", "FALSE", "ESCAPE", "COLLATE", "ANY",
    "ALL", "SOME", "ARRAY", "DISTINCT", "AS", "SELECT", "FROM", "WHERE", "UNKNOWN", "ISNULL",
    "NOTNULL", "INTERVAL", "CAST",
})
# fmt: on
_EQUALITY_OPS = frozenset({"=", "=="})


@dataclass(frozen=True)
class ColumnRef:
    qualifier: str | None
    name: str
    quoted: bool
    #: Compared with ``=`` (or ``IN``/``= ANY``, ``IS``): such columns lead a suggested index.
    equality: bool


def _is_op(tokens: Sequence[Token], index: int, *values: str) -> bool:
    return 0 <= index < len(tokens) and tokens[index].kind == "op" and tokens[index].value in values


def _skip_cast(tokens: Sequence[Token], index: int) -> int:
    """Index after ``:: type name [ ]`` starting at ``index`` (unchanged if no cast)."""
    while _is_op(tokens, index, "::"):
        index += 1
        while index < len(tokens) and (tokens[index].kind == "ident" or _is_op(tokens, index, "[", "]", "[]")):
            index += 1
    return index


def _compared_by_equality(tokens: Sequence[Token], before: int, after: int) -> bool:
    while _is_op(tokens, after, ")") or _is_op(tokens, after, "::"):
        after = _skip_cast(tokens, after + 1 if _is_op(tokens, after, ")") else after)
    if _is_op(tokens, after, *_EQUALITY_OPS):
        return True
    if after < len(tokens) and tokens[after].is_word("IN", "IS"):
        return True
    while _is_op(tokens, before, "("):
        before -= 1
    return _is_op(tokens, before, *_EQUALITY_OPS)


def column_refs(tokens: Sequence[Token]) -> list[ColumnRef]:
    """Every identifier in ``tokens`` that may name a column, in order of appearance.

    >>> from reference_app.query_analyzer.tokens import tokenize
    >>> [(r.qualifier, r.name, r.equality) for r in column_refs(tokenize("(lower(t.a) = 'x'::text) AND (b > 1)"))]
    [('t', 'a', True), (None, 'b', False)]
    """
    refs: list[ColumnRef] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if _is_op(tokens, index, "::"):
            index = _skip_cast(tokens, index)
            continue
        if token.kind != "ident" or (not token.quoted and token.value.upper() in PREDICATE_KEYWORDS):
            index += 1
            continue
        parts = [token]
        end = index + 1
        while _is_op(tokens, end, ".") and end + 1 < len(tokens) and tokens[end + 1].kind == "ident":
            parts.append(tokens[end + 1])
            end += 2
        if not _is_op(tokens, end, "("):  # a function name is not a column
            equality = _compared_by_equality(tokens, index - 1, end)
            if _is_op(tokens, index - 1, "(") and tokens[index - 2 : index - 1] and tokens[index - 2].kind == "ident":
                equality = equality or _compared_by_equality(tokens, index - 3, _closing(tokens, index - 1) + 1)
            qualifier = parts[-2].value if len(parts) > 1 else None
            refs.append(ColumnRef(qualifier, parts[-1].value, parts[-1].quoted, equality))
        index = end
    return refs


def _closing(tokens: Sequence[Token], opening: int) -> int:
    depth = 0
    for index in range(opening, len(tokens)):
        if _is_op(tokens, index, "("):
            depth += 1
        elif _is_op(tokens, index, ")"):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def ordered_columns(refs: Sequence[ColumnRef], keep: set[str]) -> tuple[str, ...]:
    """Distinct names in ``keep``: equality-compared columns first, then the others."""
    chosen = [ref for ref in refs if ref.name in keep]
    ordered = [r.name for r in chosen if r.equality] + [r.name for r in chosen if not r.equality]
    return tuple(dict.fromkeys(ordered))
