"""28 (component): the configured StartupWait retries connection failures with backoff.

The failures are real: ``connect`` opens a TCP connection to a loopback port nobody
listens on (ConnectionRefusedError from the kernel) for its first ``k`` attempts, then
returns. Delays are recorded, not slept: what is checked is what the wait asks to sleep.

- k refusals, then success: the value comes back after exactly k + 1 attempts and k
  delays; the first delay is positive, delays grow (each ≥ the one before, strictly for
  the second: backoff, not a constant pause), except a final remainder that spends the
  budget; they sum to at most ``budget_s``;
- refused for ever: the wait gives up by raising, after at most ``budget_s`` of delays
  and having retried (more than one attempt);
- an error that is not a connection failure (a failing migration) is raised at once, on
  the first attempt, without any delay.

The mid-operation half (a dependency lost and regained while the app runs, readiness
following it without a restart) is over HTTP: properties/http/outage.py.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from gauntlet.components.protocols import StartupWait

#: Relative slack when comparing sums of float delays with the budget.
FLOAT_SLACK = 1e-6
#: Most refusals drawn before success (the budget must outlast them: see check_*).
MAX_REFUSALS = 5


class MigrationFailed(Exception):
    """Not a connection failure: a start-up step that fails for good."""


def closed_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Dependency:
    """Refuses ``refusals`` connection attempts for real, then answers ``value``."""

    refusals: int | None  # None: for ever
    port: int = field(default_factory=closed_port)
    attempts: int = 0
    value: str = "connected"

    def __call__(self) -> str:
        self.attempts += 1
        if self.refusals is None or self.attempts <= self.refusals:
            socket.create_connection(("127.0.0.1", self.port), timeout=1.0).close()
            raise AssertionError(f"port {self.port} accepted a connection: it was meant to be closed")
        return self.value


def _grows(delays: list[float], budget: float) -> bool:
    for index in range(1, len(delays)):
        spends_budget = index == len(delays) - 1 and sum(delays) >= budget * (1 - FLOAT_SLACK)
        if delays[index] < delays[index - 1] and not spends_budget:
            return False
    return True


def check_startup_retry(wait: StartupWait) -> None:
    """28: refusals are retried with growing delays inside the budget; other errors are not."""
    budget = wait.budget_s
    assert budget > 0, f"budget_s must be > 0, got {budget!r}"

    @given(refusals=st.integers(0, MAX_REFUSALS))
    def refusals_are_retried_with_backoff(refusals: int) -> None:
        dependency, delays = Dependency(refusals), []
        try:
            value = wait.wait(dependency, sleep=delays.append)
        except Exception as exc:  # the property reports any give-up the same way
            raise AssertionError(
                f"the wait gave up after {dependency.attempts} attempt(s) on a dependency that answers after "
                f"{refusals} refusal(s), within the budget {budget} s: {type(exc).__name__}: {exc}"
            ) from exc
        assert value == dependency.value, f"wait returned {value!r}, connect returned {dependency.value!r}"
        assert dependency.attempts == refusals + 1, (
            f"{refusals} refusals then success took {dependency.attempts} attempts, expected {refusals + 1}"
        )
        assert len(delays) == refusals, f"{refusals} refusals were followed by {len(delays)} delays: {delays}"
        assert all(delay >= 0 for delay in delays) and (not delays or delays[0] > 0), f"delays {delays}"
        assert _grows(delays, budget), f"delays do not grow (no backoff): {delays}"
        if len(delays) >= 2:
            assert delays[1] > delays[0], f"the second delay is not longer than the first (no backoff): {delays}"
        assert sum(delays) <= budget * (1 + FLOAT_SLACK), f"delays {delays} exceed the budget {budget} s"

    refusals_are_retried_with_backoff()

    dependency, delays = Dependency(None), []
    gave_up = False
    try:
        wait.wait(dependency, sleep=delays.append)
    except Exception:  # any error type may report giving up
        gave_up = True
    assert gave_up, "a dependency that always refuses was reported as reached"
    assert dependency.attempts > 1, f"a refused connection was not retried ({dependency.attempts} attempt)"
    assert sum(delays) <= budget * (1 + FLOAT_SLACK), f"gave up after delays {delays}, over the budget {budget} s"
    assert _grows(delays, budget), f"delays do not grow (no backoff): {delays}"

    attempts = 0

    def failing_migration() -> str:
        nonlocal attempts
        attempts += 1
        raise MigrationFailed("revision 0042 failed: column already exists")

    delays = []
    try:
        wait.wait(failing_migration, sleep=delays.append)
    except MigrationFailed:
        pass
    else:
        raise AssertionError("a failing migration was reported as success")
    assert (attempts, delays) == (1, []), (
        f"an error that is not a connection failure was retried: {attempts} attempts, delays {delays}"
    )
