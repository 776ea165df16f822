"""Cache-aside for route handlers, and the HTTP caching headers of per-user reads.

Reads go through :func:`cached` (Redis cache-aside, user-scoped keys); every write calls
:func:`invalidate` AFTER its commit, so a concurrent reader can never refill the cache
with the pre-write value (the cache's generation guard refuses such a fill).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import Response

from reference_app.cache import CacheAside, user_scope

#: Cache namespaces; a write to incidents also changes the analytics aggregates.
INCIDENTS = "incidents"
ANALYTICS = "analytics"
INCIDENT_WRITES_AFFECT = (INCIDENTS, ANALYTICS)


async def cached(
    cache: CacheAside | None,
    resource: str,
    user_id: object,
    params: Mapping[str, Any],
    fetch: Callable[[], Awaitable[Any]],
) -> Any:
    """``fetch()``'s JSON value, through the cache when caching is on (identical either way)."""
    if cache is None:
        return await fetch()
    key = cache.make_key(resource, user_scope(user_id), params)
    return await cache.get_or_fetch(key, fetch, resource=resource)


async def invalidate(cache: CacheAside | None, resources: tuple[str, ...] = INCIDENT_WRITES_AFFECT) -> None:
    if cache is not None:
        for resource in resources:
            await cache.invalidate(resource)


def private_cache_headers(max_age_s: int) -> dict[str, str]:
    """Per-user response: browsers may keep it, shared caches may not; varies by credentials.

    The conditional-GET middleware adds the strong ETag to responses opted in this way.
    """
    return {"Cache-Control": f"private, max-age={max_age_s}", "Vary": "Authorization, X-API-Key"}


def mark_private(response: Response, max_age_s: int) -> None:
    """:func:`private_cache_headers` on the response FastAPI renders for the route."""
    response.headers.update(private_cache_headers(max_age_s))
