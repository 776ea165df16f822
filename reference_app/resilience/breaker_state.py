"""The circuit breaker's rules as pure functions over one state record (spec "Circuit breaker").

- CLOSED: every recorded outcome enters a count window of the last ``window_size`` calls;
  once it holds ``minimum_calls`` and failures/calls ≥ ``failure_rate_threshold`` → OPEN.
- OPEN: rejects (retry after the rest of ``open_s``); the first acquire at or after
  ``opened_at + open_s`` turns it HALF_OPEN and is admitted as a trial.
- HALF_OPEN: at most ``half_open_max_calls`` trials in flight, others rejected; the first
  trial success → CLOSED (fresh window), the first trial failure → OPEN. No completion
  within ``half_open_timeout_s`` of entering HALF_OPEN → OPEN as of that moment (trials
  that hang, or whose process died, cannot keep it half-open forever).
- A success slower than ``slow_call_s`` counts as a failure; IGNORED outcomes (4xx)
  only release a trial slot. Every transition bumps ``generation``: a permit from an
  earlier generation records nothing (its call straddled a transition).

The in-memory storage runs these functions; ``breaker.lua`` is their transcription for
Redis, and the tests run the same model against both.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    #: Not recorded (a 4xx: the upstream is fine, the request was not).
    IGNORED = "ignored"


#: Calls in the count window (spec: 20).
DEFAULT_WINDOW_SIZE = 20
#: Calls the window must hold before the failure rate can open the breaker (spec: 10).
DEFAULT_MINIMUM_CALLS = 10
#: Failure rate at or above which the breaker opens (spec: 50%).
DEFAULT_FAILURE_RATE = 0.5
#: A call slower than this counts as a failure (spec: 2 s).
DEFAULT_SLOW_CALL_S = 2.0
#: Seconds the breaker stays open (spec: 30 s).
DEFAULT_OPEN_S = 30.0
#: Trials in flight while half-open (spec: 3).
DEFAULT_HALF_OPEN_MAX_CALLS = 3
#: Half-open with no trial completed for this long reopens (spec: 10 s).
DEFAULT_HALF_OPEN_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BreakerConfig:
    window_size: int = DEFAULT_WINDOW_SIZE
    minimum_calls: int = DEFAULT_MINIMUM_CALLS
    failure_rate_threshold: float = DEFAULT_FAILURE_RATE
    slow_call_s: float = DEFAULT_SLOW_CALL_S
    open_s: float = DEFAULT_OPEN_S
    half_open_max_calls: int = DEFAULT_HALF_OPEN_MAX_CALLS
    half_open_timeout_s: float = DEFAULT_HALF_OPEN_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.window_size < 1 or self.minimum_calls < 1 or self.half_open_max_calls < 1:
            raise ValueError(
                f"BreakerConfig needs window_size, minimum_calls and half_open_max_calls >= 1, got "
                f"{self.window_size}, {self.minimum_calls}, {self.half_open_max_calls}. Example: BreakerConfig()"
            )
        if not 0 < self.failure_rate_threshold <= 1:
            raise ValueError(
                f"failure_rate_threshold must be in (0, 1], got {self.failure_rate_threshold}. Example: 0.5"
            )


@dataclass(frozen=True)
class Permit:
    """Proof of admission; hand it back to ``record``. ``generation`` -1: untracked."""

    generation: int
    started_at: float
    trial: bool = False


@dataclass(frozen=True)
class Admission:
    admitted: bool
    state: BreakerState
    #: When rejected: seconds until a call may be admitted again (0 when admitted).
    retry_after_s: float = 0.0
    permit: Permit | None = None


@dataclass
class StateRecord:
    """Everything the breaker remembers (one Redis hash, or one object in memory)."""

    state: BreakerState = BreakerState.CLOSED
    generation: int = 0
    #: Outcomes of CLOSED calls, oldest first: "1" failure, "0" success.
    window: str = ""
    opened_at: float = 0.0
    half_open_at: float = 0.0
    in_flight: int = 0


def _enter(record: StateRecord, state: BreakerState, at: float) -> None:
    record.state = state
    record.generation += 1
    record.window = ""
    record.in_flight = 0
    if state is BreakerState.OPEN:
        record.opened_at = at
    elif state is BreakerState.HALF_OPEN:
        record.half_open_at = at


def settle(record: StateRecord, now: float, config: BreakerConfig) -> None:
    """Apply the timed transition that is due: a half-open episode that timed out reopens."""
    if record.state is BreakerState.HALF_OPEN and now >= record.half_open_at + config.half_open_timeout_s:
        _enter(record, BreakerState.OPEN, record.half_open_at + config.half_open_timeout_s)


def acquire(record: StateRecord, now: float, config: BreakerConfig) -> Admission:
    settle(record, now, config)
    if record.state is BreakerState.OPEN:
        reopen_at = record.opened_at + config.open_s
        if now < reopen_at:
            return Admission(False, BreakerState.OPEN, reopen_at - now)
        _enter(record, BreakerState.HALF_OPEN, now)
    if record.state is BreakerState.HALF_OPEN:
        if record.in_flight >= config.half_open_max_calls:
            wait = record.half_open_at + config.half_open_timeout_s - now
            return Admission(False, BreakerState.HALF_OPEN, max(0.0, wait))
        record.in_flight += 1
        return Admission(True, BreakerState.HALF_OPEN, 0.0, Permit(record.generation, now, trial=True))
    return Admission(True, BreakerState.CLOSED, 0.0, Permit(record.generation, now))


def effective_outcome(permit: Permit, outcome: Outcome, now: float, config: BreakerConfig) -> Outcome:
    """A success that took ``slow_call_s`` or longer is a failure."""
    if outcome is Outcome.SUCCESS and now - permit.started_at >= config.slow_call_s:
        return Outcome.FAILURE
    return outcome


def record_outcome(record: StateRecord, permit: Permit, outcome: Outcome, now: float, config: BreakerConfig) -> None:
    settle(record, now, config)
    if permit.generation != record.generation:
        return
    result = effective_outcome(permit, outcome, now, config)
    if record.state is BreakerState.HALF_OPEN:
        record.in_flight = max(0, record.in_flight - 1)
        if result is Outcome.SUCCESS:
            _enter(record, BreakerState.CLOSED, now)
        elif result is Outcome.FAILURE:
            _enter(record, BreakerState.OPEN, now)
        return
    if record.state is BreakerState.CLOSED and result is not Outcome.IGNORED:
        record.window = (record.window + ("1" if result is Outcome.FAILURE else "0"))[-config.window_size :]
        calls = len(record.window)
        if calls >= config.minimum_calls and record.window.count("1") >= config.failure_rate_threshold * calls:
            _enter(record, BreakerState.OPEN, now)
