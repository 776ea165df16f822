"""Markdown building blocks that stay readable as plain text.

Everything a run document holds is untrusted text (test messages, curl commands,
operation paths): these helpers make sure it can never break the layout. A ``|``
cannot split a table cell, a backtick cannot close a code span early, and a fenced
block is always longer than any backtick run inside it (CommonMark 4.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_BACKTICK_RUNS = re.compile(r"`+")
_WHITESPACE = re.compile(r"\s+")
#: Characters that would turn free text into markup: links, emphasis, HTML, code.
#: (``>`` only quotes at the start of a line, where free text never is.)
_INLINE_SPECIALS = re.compile(r"([\\`*<\[\]])")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace: table cells and list items are one line."""
    return _WHITESPACE.sub(" ", text).strip()


def plain(text: str) -> str:
    """Free text shown as itself: markup characters are backslash-escaped."""
    return _INLINE_SPECIALS.sub(r"\\\1", one_line(text))


def code(text: str) -> str:
    """An inline code span around ``text``, whatever backticks it contains."""
    flat = one_line(text)
    if not flat:
        return ""
    ticks = "`" * (_longest_backtick_run(flat) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """A fenced code block holding ``text`` verbatim."""
    ticks = "`" * max(3, _longest_backtick_run(text) + 1)
    body = text.rstrip("\n")
    return f"{ticks}{info}\n{body}\n{ticks}"


def cell(text: str) -> str:
    """One table cell: one line, and every ``|`` escaped (GFM tables split on bare pipes)."""
    return one_line(text).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A GFM table; cells are escaped here, so callers pass text or inline markup.

    ``align`` has one letter per column, ``l`` or ``r`` (missing ones are ``l``):
    ``table(["Endpoint", "p95 ms"], rows, "lr")``.
    """
    if set(align) - {"l", "r"}:
        raise ValueError(f"table alignment {align!r} may hold only 'l' and 'r', e.g. 'lrr'")
    alignment = align.ljust(len(header), "l")
    lines = [
        _row(header),
        "| " + " | ".join("---:" if a == "r" else "---" for a in alignment) + " |",
    ]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def heading(level: int, text: str) -> str:
    return f"{'#' * level} {text}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell(c) or " " for c in cells) + " |"
