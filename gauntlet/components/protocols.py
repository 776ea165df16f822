"""Protocols of the components the property suite exercises (spec/properties.md, level
"component"). They are structural: an implementation never imports this module.

Each factory named in ``[components]`` is called with keyword arguments only and returns
an object satisfying the matching protocol (see :mod:`gauntlet.components.factories`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


@dataclass(frozen=True)
class CacheCounters:
    hits: int
    misses: int
    errors: int


@runtime_checkable
class Cache(Protocol):
    """Cache-aside over Redis (properties 6–11, 22).

    Keys are ``<prefix>c:v{schema}:{resource}:{scope}:{sha256(params)}``; every key written
    has a TTL in (0, max_ttl_s]; on Redis errors reads fall through to ``fetch``.
    """

    max_ttl_s: float

    def make_key(self, resource: str, scope: str, params: Mapping[str, Any]) -> str: ...

    async def get(self, key: str) -> Any | None: ...

    async def set(self, key: str, value: Any, *, resource: str) -> None: ...

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]], *, resource: str) -> T: ...

    async def invalidate(self, resource: str) -> None: ...

    def counters(self) -> CacheCounters: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Redactor(Protocol):
    """Removes secrets from a log event (property 35): returns a redacted deep copy."""

    def redact(self, event: Any) -> Any: ...


@dataclass(frozen=True)
class IndexSuggestion:
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class PlanReport:
    """What EXPLAIN says about one statement (property 1)."""

    full_scans: tuple[str, ...] = ()
    index_scans: tuple[str, ...] = ()
    suggestions: tuple[IndexSuggestion, ...] = field(default=())


@runtime_checkable
class QueryAnalyzer(Protocol):
    """EXPLAIN-based analysis for PostgreSQL (``FORMAT JSON``) and SQLite (``QUERY PLAN``)."""

    async def analyze(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> PlanReport: ...
