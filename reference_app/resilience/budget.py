"""The process-wide retry budget: retries stay a small fraction of calls (no retry storms).

A token bucket: every call deposits ``ratio`` tokens, time deposits ``floor_per_second``,
each retry withdraws one; the bucket holds at most ``capacity`` (its start value). Over
any period, retries ≤ capacity + ratio·calls + floor_per_second·seconds (Finagle's
``RetryBudget``, Envoy's ``retry_budget``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Share of calls that may be retried (spec: "retries ≤ 20% of requests").
DEFAULT_RATIO = 0.2
#: Retries per second allowed regardless of traffic, so a quiet client can still retry.
DEFAULT_FLOOR_PER_SECOND = 1.0
#: Most retries held in reserve, and the reserve at start.
DEFAULT_CAPACITY = 10.0


class RetryBudget:
    """Example::

    budget = RetryBudget(ratio=0.2)
    budget.deposit()                   # once per call
    if budget.try_withdraw(): ...      # once per retry
    """

    def __init__(
        self,
        *,
        ratio: float = DEFAULT_RATIO,
        floor_per_second: float = DEFAULT_FLOOR_PER_SECOND,
        capacity: float = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ratio < 0 or floor_per_second < 0 or capacity < 0:
            raise ValueError(
                f"retry budget values must be >= 0, got ratio={ratio}, floor_per_second={floor_per_second}, "
                f"capacity={capacity}. Example: RetryBudget(ratio=0.2, floor_per_second=1, capacity=10)"
            )
        self.ratio = ratio
        self.floor_per_second = floor_per_second
        self.capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated_at = clock()
        self.withdrawn = 0
        self.refused = 0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated_at)
        self._updated_at = now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.floor_per_second)

    def deposit(self) -> None:
        """One call was made (first attempts only)."""
        self._refill()
        self._tokens = min(self.capacity, self._tokens + self.ratio)

    def try_withdraw(self) -> bool:
        """Take one retry from the budget; False when it is exhausted (do not retry)."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            self.withdrawn += 1
            return True
        self.refused += 1
        return False

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens
