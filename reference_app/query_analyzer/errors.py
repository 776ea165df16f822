"""Exceptions of the query analyzer.

Hierarchy::

    QueryAnalyzerError             root
    └── UnsupportedDatabaseError   an engine whose dialect has no plan reader
"""

from __future__ import annotations


class QueryAnalyzerError(Exception):
    """Root of the exceptions the query analyzer raises deliberately."""


class UnsupportedDatabaseError(QueryAnalyzerError):
    """Only PostgreSQL and SQLite plans are read; the message names the dialect given."""
