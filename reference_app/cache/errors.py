"""Exceptions of the cache package.

Hierarchy::

    CacheError                 root: anything the cache raises on purpose
    ├── InvalidCacheKeyError   a resource or scope that cannot form a key (also ValueError)
    └── CacheValueError        a value that is not JSON the cache can store (also TypeError)

Storage failures (Redis down, slow, refusing) are never raised: the cache serves from the
fetcher and counts an error instead.
"""

from __future__ import annotations


class CacheError(Exception):
    """Root of the exceptions the cache raises deliberately."""


class InvalidCacheKeyError(CacheError, ValueError):
    """The resource or scope cannot be part of a key; the message shows a valid one."""


class CacheValueError(CacheError, TypeError):
    """The value cannot be stored as JSON (orjson: str keys, 64-bit integers, no sets)."""
