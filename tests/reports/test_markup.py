"""Markdown primitives: untrusted text never breaks the layout."""

from __future__ import annotations

import re

import pytest

from reports.markup import cell, code, fence, plain, table


def test_cells_escape_pipes_and_stay_on_one_line():
    assert cell("a|b\nc") == "a\\|b c"


def test_code_spans_survive_backticks():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"


def test_fences_are_longer_than_any_backtick_run_inside():
    block = fence("before\n````\nafter", "text")
    assert block.startswith("`````text\n")
    assert block.endswith("\n`````")


def test_plain_text_cannot_become_links_or_html():
    assert plain("<b>[x](y)</b> *a*") == "\\<b>\\[x\\](y)\\</b> \\*a\\*"


def test_table_rows_have_as_many_cells_as_the_header():
    text = table(["A", "B"], [["x|y", code("p|q")], ["", "z"]], "lr")
    for line in text.splitlines():
        assert len(re.split(r"(?<!\\)\|", line)) == 4, line
    assert "| --- | ---: |" in text


def test_table_alignment_letters_are_checked():
    with pytest.raises(ValueError, match="only 'l' and 'r'"):
        table(["A"], [], "c")
