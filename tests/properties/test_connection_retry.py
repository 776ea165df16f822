"""28 (component) fails on start-up waits that do not retry, do not back off or retry anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from properties.component.connection_retry import check_startup_retry
from reference_app.db.wait import DatabaseStartupWait, build

T = TypeVar("T")
BUDGET_S = 30.0


class NoRetryWait(DatabaseStartupWait):
    """Connects once: a database still starting up kills the app's start."""

    def wait(self, connect: Callable[[], T], *, sleep: Callable[[float], object] = time.sleep) -> T:
        return connect()


class ConstantPauseWait(DatabaseStartupWait):
    """Retries every second, never longer: hammers a struggling database."""

    def wait(self, connect: Callable[[], T], *, sleep: Callable[[float], object] = time.sleep) -> T:
        for _ in range(int(self.budget_s)):
            try:
                return connect()
            except OSError:
                sleep(1.0)
        return connect()


class RetryAnythingWait(DatabaseStartupWait):
    """Retries every error, a failing migration included, until the budget is spent."""

    def wait(self, connect: Callable[[], T], *, sleep: Callable[[float], object] = time.sleep) -> T:
        delay, spent = 0.5, 0.0
        while True:
            try:
                return connect()
            except Exception:
                if spent + delay > self.budget_s:
                    raise
                sleep(delay)
                spent += delay
                delay *= 2


def test_the_property_holds_on_the_reference_wait() -> None:
    check_startup_retry(build(budget_s=BUDGET_S))


@pytest.mark.mutant(28)
@pytest.mark.parametrize(
    ("mutant", "message"),
    [
        (NoRetryWait, r"the wait gave up after 1 attempt\(s\)"),
        (ConstantPauseWait, "no backoff"),
        (RetryAnythingWait, "not a connection failure was retried"),
    ],
)
def test_startup_retry_fails_on_a_mutant(mutant: type[DatabaseStartupWait], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_startup_retry(mutant(BUDGET_S))
