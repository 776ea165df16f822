"""In-memory cache storage with expiry on an injectable clock: unit tests of the policy only."""

from __future__ import annotations

import time
from collections.abc import Callable


class MemoryCacheStorage:
    """Same semantics as :class:`RedisCacheStorage`, one dict, no I/O.

    >>> storage = MemoryCacheStorage(clock=lambda: 0.0)
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[bytes | str | set[str], float]] = {}

    def _get(self, key: str) -> bytes | str | set[str] | None:
        item = self._values.get(key)
        if item is None:
            return None
        if item[1] <= self._clock():
            del self._values[key]
            return None
        return item[0]

    def _set(self, key: str, value: bytes | str | set[str], ttl_ms: int) -> None:
        self._values[key] = (value, self._clock() + ttl_ms / 1000)

    def pttl_ms(self, key: str) -> int:
        """Like Redis ``PTTL``: -2 when the key does not exist (there is no -1 here)."""
        if self._get(key) is None:
            return -2
        return round((self._values[key][1] - self._clock()) * 1000)

    def live_keys(self) -> list[str]:
        return [key for key in list(self._values) if self._get(key) is not None]

    async def read(self, key: str, generation_key: str) -> tuple[bytes | None, str | None]:
        value, generation = self._get(key), self._get(generation_key)
        return (value if isinstance(value, bytes) else None), (generation if isinstance(generation, str) else None)

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
    ) -> bool:
        if conditional and self._get(generation_key) != expected_generation:
            return False
        self._set(key, value, ttl_ms)
        index = self._get(index_key)
        members = index if isinstance(index, set) else set()
        members.add(key)
        self._set(index_key, members, index_ttl_ms)
        return True

    async def invalidate(self, *, index_key: str, generation_key: str, new_generation: str, ttl_ms: int) -> None:
        self._set(generation_key, new_generation, ttl_ms)
        index = self._get(index_key)
        for key in index if isinstance(index, set) else ():
            self._values.pop(key, None)
        self._values.pop(index_key, None)

    async def aclose(self) -> None:
        self._values.clear()
