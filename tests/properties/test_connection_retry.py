"""28 (component) fails on start-up waits that do not retry, do not back off or retry anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from gauntlet.services.ports import free_port
from gauntlet.services.processes import ProcessGroup
from properties.component.connection_retry import check_startup_retry
from properties.http.outage import check_startup_waits_for_dependencies, spawn_app, start_private_dependencies
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


@pytest.mark.slow
@pytest.mark.mutant(28)
def test_startup_fails_when_the_app_connects_once(gauntlet_config, tmp_path: Path) -> None:
    port = free_port()
    with ProcessGroup() as group:
        dependencies = start_private_dependencies(tmp_path, group)

        def start_app():
            module = "tests.properties.no_startup_retry_app"
            return spawn_app(gauntlet_config.target, dependencies, tmp_path, group, port=port, module=module)

        with pytest.raises(
            AssertionError,
            match=r"the app exited .* after 1 connection attempt\(s\) to its database, instead of retrying",
        ):
            check_startup_waits_for_dependencies(f"http://127.0.0.1:{port}", dependencies, start_app)
