"""Where breaker state lives: a Protocol, and the in-memory implementation.

Each operation is one atomic read-modify-write of one breaker's record, so several
policy objects (or processes, with Redis) over the same storage see one breaker: state is
never reset by creating a new :class:`~reference_app.resilience.breaker.CircuitBreaker`.
"""

from __future__ import annotations

from typing import Protocol

from reference_app.resilience.breaker_state import (
    Admission,
    BreakerConfig,
    BreakerState,
    Outcome,
    Permit,
    StateRecord,
    acquire,
    record_outcome,
    settle,
)


class BreakerStorage(Protocol):
    async def acquire(self, name: str, now: float, config: BreakerConfig) -> Admission: ...

    async def record(
        self, name: str, permit: Permit, outcome: Outcome, now: float, config: BreakerConfig
    ) -> BreakerState:
        """Record the outcome of an admitted call; returns the state afterwards."""
        ...

    async def state(self, name: str, now: float, config: BreakerConfig) -> BreakerState: ...


class MemoryBreakerStorage:
    """Breakers of this process; share one instance between breakers meant to be one.

    Example::

        storage = MemoryBreakerStorage()
        breaker = CircuitBreaker("model-server", storage)
    """

    def __init__(self) -> None:
        self._records: dict[str, StateRecord] = {}

    def _record(self, name: str) -> StateRecord:
        return self._records.setdefault(name, StateRecord())

    # No await inside an operation: each runs atomically on the event loop.
    async def acquire(self, name: str, now: float, config: BreakerConfig) -> Admission:
        return acquire(self._record(name), now, config)

    async def record(
        self, name: str, permit: Permit, outcome: Outcome, now: float, config: BreakerConfig
    ) -> BreakerState:
        state_record = self._record(name)
        record_outcome(state_record, permit, outcome, now, config)
        return state_record.state

    async def state(self, name: str, now: float, config: BreakerConfig) -> BreakerState:
        state_record = self._record(name)
        settle(state_record, now, config)
        return state_record.state
