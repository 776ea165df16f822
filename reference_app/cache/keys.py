"""Cache key layout (reference-app.md "Caching").

Entries: ``{prefix}c:v{schema}:{resource}:{scope}:{sha256(canonical JSON params)}`` with
scope ``pub`` or ``u:{user_id}``. Per resource, two bookkeeping keys share the namespace:
``...:{resource}:#gen`` (the generation a fill is conditional on) and ``...:{resource}:#keys``
(the set of live entry keys an invalidation deletes). A scope never starts with ``#``, so
bookkeeping keys never collide with entries.

``:`` and ``%`` inside a resource or user id are percent-encoded, so the layout is injective:
two different (resource, scope, params) never produce the same key, whatever the inputs
(property 11).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson

from reference_app.cache.errors import InvalidCacheKeyError

PUBLIC_SCOPE = "pub"
USER_SCOPE_PREFIX = "u:"


def user_scope(user_id: object) -> str:
    """The scope of data that depends on the principal: ``user_scope(42) == "u:42"``."""
    return f"{USER_SCOPE_PREFIX}{user_id}"


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace(":", "%3A")


def params_digest(params: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of ``params`` (sorted keys, compact, UTF-8).

    orjson first (it also renders UUIDs, datetimes and enums); integers beyond 64 bits,
    which orjson refuses, go through the standard library with the same layout.
    """
    try:
        canonical = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = _stdlib_canonical(params)
    return hashlib.sha256(canonical).hexdigest()


def _stdlib_canonical(params: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (TypeError, ValueError) as exc:
        raise InvalidCacheKeyError(
            f"cache key params must be JSON with str keys, got {params!r} ({exc}). Example: {{'limit': 20}}"
        ) from None


class CacheKeys:
    """Builds every key the cache writes, under one prefix and schema version.

    >>> keys = CacheKeys("app:", schema_version=1)
    >>> keys.entry("analytics", user_scope(7), {"days": 30})[:27]
    'app:c:v1:analytics:u:7:d13e'
    """

    def __init__(self, prefix: str = "", schema_version: int = 1) -> None:
        if schema_version < 0:
            raise InvalidCacheKeyError(f"schema_version must be >= 0, got {schema_version}. Example: 1")
        self.prefix = prefix
        self.schema_version = schema_version
        self._base = f"{prefix}c:v{schema_version}:"

    def _resource(self, resource: str) -> str:
        if not resource:
            raise InvalidCacheKeyError("cache resource must be a non-empty name. Example: 'incidents'")
        return self._base + _escape(resource)

    def entry(self, resource: str, scope: str, params: Mapping[str, Any]) -> str:
        return f"{self._resource(resource)}:{self._scope(scope)}:{params_digest(params)}"

    def generation(self, resource: str) -> str:
        return f"{self._resource(resource)}:#gen"

    def index(self, resource: str) -> str:
        return f"{self._resource(resource)}:#keys"

    @staticmethod
    def _scope(scope: str) -> str:
        if scope == PUBLIC_SCOPE:
            return scope
        user = scope.removeprefix(USER_SCOPE_PREFIX)
        if user == scope or not user:
            raise InvalidCacheKeyError(
                f"cache scope must be 'pub' or 'u:{{user_id}}', got {scope!r}. Example: user_scope(42) == 'u:42'"
            )
        return USER_SCOPE_PREFIX + _escape(user)
