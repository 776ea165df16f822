"""Lookup counters: every lookup is exactly one of hit, miss or error (property 22)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

LookupResult = Literal["hit", "miss", "error"]
#: Called once per lookup with its result, e.g. to feed ``cache_operations_total{result}``.
ResultHook = Callable[[str], None]


@dataclass(frozen=True)
class CacheCounters:
    hits: int
    misses: int
    errors: int


class LookupCounter:
    """Counts lookup results in process and forwards each one to an optional hook."""

    def __init__(self, on_result: ResultHook | None = None) -> None:
        self._on_result = on_result
        self._counts: dict[LookupResult, int] = {"hit": 0, "miss": 0, "error": 0}

    def record(self, result: LookupResult) -> None:
        self._counts[result] += 1
        if self._on_result is not None:
            self._on_result(result)

    def snapshot(self) -> CacheCounters:
        return CacheCounters(self._counts["hit"], self._counts["miss"], self._counts["error"])
