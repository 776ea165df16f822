"""Jittered TTLs: entries written together do not expire together (no stampede at T+60 s)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from reference_app.cache.errors import CacheError

#: Base lifetime of a cache entry (reference-app.md "Caching").
DEFAULT_TTL_S = 60.0
#: Relative jitter around the base: each TTL is drawn uniformly in base·(1 ± jitter).
DEFAULT_JITTER = 0.1


def ceiling_ms(longest_ms: float) -> int:
    """The TTL ceiling: whole seconds from 1 s up, so Redis ``TTL`` (which rounds to the
    nearest second) never reads above it, and ``ceiling / 1000 * 1000 == ceiling`` in floats.
    """
    ceiling = math.floor(longest_ms / 1000) * 1000 if longest_ms >= 1000 else max(1, math.floor(longest_ms))
    while ceiling > 1 and ceiling / 1000 * 1000 < ceiling:
        ceiling -= 1
    return ceiling


class JitteredTtl:
    """Draws TTLs in milliseconds, uniform in ``[base·(1-jitter), base·(1+jitter)]``.

    Every value is in ``[1, max_ms]``: a key is never written without a TTL (property 6).

    >>> ttl = JitteredTtl(60.0, 0.1, random=lambda: 1.0)
    >>> ttl(), ttl.max_ms
    (66000, 66000)
    """

    def __init__(
        self,
        base_s: float = DEFAULT_TTL_S,
        jitter: float = DEFAULT_JITTER,
        *,
        random: Callable[[], float] = random.random,
    ) -> None:
        if not base_s > 0:
            raise CacheError(f"cache TTL must be > 0 seconds, got {base_s!r}. Example: 60")
        if not 0 <= jitter < 1:
            raise CacheError(f"cache TTL jitter must be in [0, 1), got {jitter!r}. Example: 0.1")
        self._base_ms = base_s * 1000
        self._jitter = jitter
        self._random = random
        #: The longest TTL ever drawn, in ms: see :func:`ceiling_ms`.
        self.max_ms = ceiling_ms(self._base_ms * (1 + jitter))

    def __call__(self) -> int:
        spread = 2 * self._random() - 1  # in [-1, 1)
        drawn = round(self._base_ms * (1 + self._jitter * spread))
        return min(self.max_ms, max(1, drawn))
