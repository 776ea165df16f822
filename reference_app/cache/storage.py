"""What the cache policy needs from a store (STYLE rule 8: policy apart from storage).

Three atomic operations; the Redis implementation runs each as one round trip (MGET or a
Lua script), the in-memory one exists for unit tests of the policy.

- ``read``: the entry and the resource's current generation, read together, so a fill can
  be made conditional on the generation seen BEFORE the fetch started;
- ``write``: store an entry with a TTL, record it in the resource's index (whose TTL is
  raised to ``index_ttl_ms``) — if ``conditional``, only while the generation still equals
  ``expected_generation`` (``None``: no generation key exists);
- ``invalidate``: set a new generation (with a TTL), delete every indexed entry and the index.
"""

from __future__ import annotations

from typing import Protocol


class CacheStorage(Protocol):
    async def read(self, key: str, generation_key: str) -> tuple[bytes | None, str | None]: ...

    async def write(
        self,
        key: str,
        value: bytes,
        *,
        ttl_ms: int,
        index_key: str,
        index_ttl_ms: int,
        generation_key: str,
        expected_generation: str | None,
        conditional: bool,
    ) -> bool: ...

    async def invalidate(self, *, index_key: str, generation_key: str, new_generation: str, ttl_ms: int) -> None: ...

    async def aclose(self) -> None: ...
