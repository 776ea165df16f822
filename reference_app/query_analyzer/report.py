"""What the analyzer reports about one statement (property 1).

Same fields as the harness's ``PlanReport`` / ``IndexSuggestion`` (structural match):
``full_scans`` and ``index_scans`` name TABLES (in plan order, without repeats), so "is
this table read without an index" is one membership test; ``index_names`` adds which
indexes were used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexSuggestion:
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PlanReport:
    #: Tables read by a full scan (PostgreSQL ``Seq Scan``, SQLite ``SCAN t`` without index).
    full_scans: tuple[str, ...] = ()
    #: Tables read through an index (Index / Index Only / Bitmap scans, SQLite ``SEARCH``).
    index_scans: tuple[str, ...] = ()
    #: One per filtered full scan with no usable index: exactly the filtered columns.
    suggestions: tuple[IndexSuggestion, ...] = field(default=())
    index_names: tuple[str, ...] = ()


class ReportBuilder:
    def __init__(self) -> None:
        self.full_scans: dict[str, None] = {}
        self.index_scans: dict[str, None] = {}
        self.index_names: dict[str, None] = {}
        self.suggestions: dict[IndexSuggestion, None] = {}

    def full_scan(self, table: str) -> None:
        self.full_scans[table] = None

    def index_scan(self, table: str | None, index: str | None) -> None:
        if table:
            self.index_scans[table] = None
        if index:
            self.index_names[index] = None

    def suggest(self, table: str, columns: Iterable[str]) -> None:
        chosen = tuple(columns)
        if chosen:
            self.suggestions[IndexSuggestion(table, chosen)] = None

    def build(self) -> PlanReport:
        return PlanReport(
            tuple(self.full_scans), tuple(self.index_scans), tuple(self.suggestions), tuple(self.index_names)
        )
