"""Retry delays of background tasks: exponential backoff, capped, optionally full jitter.

The ceiling before retry ``n`` (0 for the first retry) is ``min(cap, base·2ⁿ)`` — Celery's
``retry_backoff`` formula, with a float base so tests can use milliseconds. With jitter
the delay is uniform in [0, ceiling] ("full jitter"); without, it is the ceiling (1, 2,
4 s... for base 1 s).
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """``Backoff(base_s=1.0, cap_s=600.0, jitter=False).delay(2) == 4.0``."""

    base_s: float
    cap_s: float
    jitter: bool = True
    #: Uniform source in [0, 1); injectable for tests.
    random: Callable[[], float] = field(default=_random.random, compare=False)

    def ceiling(self, retry: int) -> float:
        if retry < 0:
            raise ValueError(f"retry must be >= 0, got {retry}")
        # 2**retry overflows float for huge retry numbers: cap the exponent first.
        return min(self.cap_s, self.base_s * 2.0 ** min(retry, 64))

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry ``retry`` (0-based)."""
        ceiling = self.ceiling(retry)
        return ceiling * self.random() if self.jitter else ceiling
