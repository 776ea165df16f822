"""Which tables a statement reads and which columns its WHERE clauses filter on.

SQLite's ``EXPLAIN QUERY PLAN`` says ``SCAN t`` but not why, so the filtered columns come
from the statement text. One pass over the tokens keeps a frame per parenthesis; every
``SELECT`` opens a query scope with its own FROM list (``name [AS] alias``, joins, commas)
and WHERE tokens. Nested parentheses inside a WHERE stay in its scope; a subquery opens a
new one.

Limits (documented, not hidden): ``JOIN ... ON`` and ``USING`` conditions are not treated
as filters; CTE names are recorded like tables (the caller drops names that are not real
tables); an unqualified column in a multi-table scope is attributed to every table that
has a column of that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reference_app.query_analyzer.columns import ColumnRef, column_refs
from reference_app.query_analyzer.tokens import Token, tokenize

# fmt: off
#: Words after a table name that end the table reference instead of being its alias.
_NOT_ALIASES = frozenset({
    "WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "NATURAL", "FULL", "ON", "USING",
    "GROUP", "ORDER", "LIMIT", "OFFSET", "UNION", "INTERSECT", "EXCEPT", "SET", "INDEXED", "NOT",
    "HAVING", "WINDOW", "RETURNING", "VALUES", "DEFAULT",
})
# fmt: on
_TABLE_CLAUSES = frozenset({"FROM", "JOIN", "UPDATE"})
# fmt: off
_OTHER_CLAUSES = frozenset({
    "ON", "USING", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "WINDOW", "RETURNING", "SET",
    "VALUES", "INTO", "UNION", "INTERSECT", "EXCEPT",
})
# fmt: on


@dataclass
class QueryScope:
    #: Alias or name as written → table name.
    tables: dict[str, str] = field(default_factory=dict)
    where: list[Token] = field(default_factory=list)

    def refs(self) -> list[ColumnRef]:
        return column_refs(self.where)


@dataclass
class _Frame:
    scope: QueryScope
    clause: str = ""
    expect_table: bool = False


@dataclass(frozen=True)
class StatementShape:
    scopes: tuple[QueryScope, ...]

    def table_of(self, name: str) -> str:
        """The table behind an alias shown in a plan (``SCAN z`` for ``FROM t AS z`` → ``t``)."""
        for scope in self.scopes:
            if name in scope.tables:
                return scope.tables[name]
        return name

    def filtered(self, alias_or_table: str, columns: set[str]) -> list[ColumnRef]:
        """References in WHERE clauses to ``columns`` of the table seen as ``alias_or_table``."""
        table = self.table_of(alias_or_table)
        names = {alias_or_table, table}
        found: list[ColumnRef] = []
        for scope in self.scopes:
            local = any(scope.tables.get(name) == table for name in names)
            for ref in scope.refs():
                if ref.name not in columns:
                    continue
                if ref.qualifier is not None:
                    if ref.qualifier in names or scope.tables.get(ref.qualifier) == table:
                        found.append(ref)
                elif local:
                    found.append(ref)
        return found


def parse_statement(sql: str) -> StatementShape:
    """The query scopes of ``sql``.

    >>> shape = parse_statement("SELECT a FROM items AS i WHERE i.category = :c AND n > 1")
    >>> shape.table_of("i"), [r.name for r in shape.filtered("i", {"category", "n", "a"})]
    ('items', ['category', 'n'])
    """
    tokens = tokenize(sql, brackets=True)
    scopes = [QueryScope()]
    stack = [_Frame(scopes[0])]
    index = 0
    while index < len(tokens):
        token, frame = tokens[index], stack[-1]
        if token.kind == "op" and token.value == "(":
            _append_where(frame, token)
            stack.append(_Frame(frame.scope, frame.clause))
        elif token.kind == "op" and token.value == ")":
            if len(stack) > 1:
                stack.pop()
            _append_where(stack[-1], token)
        elif token.is_word("SELECT"):
            frame.scope = QueryScope()
            scopes.append(frame.scope)
            frame.clause, frame.expect_table = "SELECT", False
        elif token.is_word(*_TABLE_CLAUSES):
            frame.clause, frame.expect_table = "FROM", True
        elif token.is_word("WHERE"):
            if frame.scope.where:
                frame.scope.where.append(Token("op", ";"))
            frame.clause = "WHERE"
        elif token.is_word(*_OTHER_CLAUSES):
            frame.clause, frame.expect_table = token.value.upper(), False
        elif frame.clause == "FROM" and frame.expect_table and token.kind == "ident":
            index = _table_reference(tokens, index, frame.scope)
            frame.expect_table = False
            continue
        elif frame.clause == "FROM" and token.kind == "op" and token.value == ",":
            frame.expect_table = True
        else:
            _append_where(frame, token)
        index += 1
    return StatementShape(tuple(scopes))


def _append_where(frame: _Frame, token: Token) -> None:
    if frame.clause == "WHERE":
        frame.scope.where.append(token)


def _table_reference(tokens: list[Token], index: int, scope: QueryScope) -> int:
    """Record ``[schema.]table [[AS] alias]`` starting at ``index``; return the next index."""
    name = tokens[index].value
    index += 1
    while index + 1 < len(tokens) and tokens[index].value == "." and tokens[index + 1].kind == "ident":
        name = tokens[index + 1].value
        index += 2
    scope.tables[name] = name
    if index < len(tokens) and tokens[index].is_word("AS"):
        index += 1
    if index < len(tokens) and tokens[index].kind == "ident" and not tokens[index].is_word(*_NOT_ALIASES):
        scope.tables[tokens[index].value] = name
        index += 1
    return index
