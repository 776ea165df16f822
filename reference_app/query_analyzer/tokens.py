"""A small SQL tokenizer: enough to find column references, not a parser.

It knows string literals (``'it''s'``, ``E'..'``, dollar quoting), quoted identifiers
(``"Col"``, `` `col` ``, ``[col]`` when ``brackets``), comments, bind parameters
(``:name``, ``$1``, ``?``, ``%(name)s``), numbers, identifiers and operators. Literals and
parameters never yield identifiers, so a value like ``'status = 1'`` is never a column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["ident", "string", "number", "param", "op"]

_TOKEN = re.compile(
    r"""
     (?P<space>\s+)
    |(?P<comment>--[^\n]*|/\*.*?\*/)
    |(?P<string>(?:[EeBbXxNnUu]&?)?'(?:[^']|'')*')
    |(?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$)
    |(?P<dquoted>"(?:[^"]|"")*")
    |(?P<bquoted>`(?:[^`]|``)*`)
    |(?P<bracketed>\[[^\]]*\])
    |(?P<param>:[A-Za-z_][A-Za-z0-9_]*|\$\d+|\?\d*|%\([^)]*\)s|%s)
    |(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    |(?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<op>::|<>|!=|<=|>=|\|\||.)
    """,
    re.S | re.X,
)


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    #: Identifiers: the name (quotes removed, ``""`` unescaped); others: the source text.
    value: str
    quoted: bool = False

    def is_word(self, *words: str) -> bool:
        """An unquoted identifier equal (case-insensitively) to one of ``words``."""
        return self.kind == "ident" and not self.quoted and self.value.upper() in words


def tokenize(sql: str, *, brackets: bool = False) -> list[Token]:
    """Tokens of ``sql`` without spaces and comments.

    >>> [t.value for t in tokenize("SELECT \\"A b\\" FROM t WHERE x = 'y' -- c")]
    ['SELECT', 'A b', 'FROM', 't', 'WHERE', 'x', '=', "'y'"]
    """
    tokens: list[Token] = []
    for match in _TOKEN.finditer(sql):
        kind, text = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        if kind in ("string", "dollar"):
            tokens.append(Token("string", text))
        elif kind == "dquoted":
            tokens.append(Token("ident", text[1:-1].replace('""', '"'), quoted=True))
        elif kind == "bquoted":
            tokens.append(Token("ident", text[1:-1].replace("``", "`"), quoted=True))
        elif kind == "bracketed":
            tokens.append(Token("ident", text[1:-1], quoted=True) if brackets else Token("op", text))
        elif kind == "param":
            tokens.append(Token("param", text))
        elif kind == "number":
            tokens.append(Token("number", text))
        elif kind == "ident":
            tokens.append(Token("ident", text))
        else:
            tokens.append(Token("op", text))
    return tokens
