"""Start-up retry: wait for a database that is not up yet, with capped exponential backoff.

>>> retry_until_reachable(lambda: upgrade(url, "head"))   # delays 0.5, 1, 2, 4, 8, 8... ≤ 30 s

Only "cannot connect" errors are retried (refused, reset, "the database system is starting
up"); anything else (a failing migration, bad credentials) is raised at once. Each failed
attempt is logged with the exception's type only: its text may hold the DSN. The loop
itself is ``reference_app.retry_backoff`` (shared with the Redis wait).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from asyncpg.exceptions import CannotConnectNowError, TooManyConnectionsError  # type: ignore[import-untyped]
from sqlalchemy.exc import InterfaceError, OperationalError

from reference_app import retry_backoff

logger = logging.getLogger("reference_app.db")

T = TypeVar("T")

#: Errors meaning "the database is not reachable (yet)", raised raw by asyncpg or wrapped.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    OperationalError,
    InterfaceError,
    CannotConnectNowError,
    TooManyConnectionsError,
)
#: Seconds before the second attempt; each later delay doubles, up to MAX_DELAY_SECONDS.
INITIAL_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
#: Seconds of waiting in all before giving up.
DEFAULT_BUDGET_SECONDS = 30.0


class DatabaseUnreachable(RuntimeError):
    """The database did not answer within the budget (no DSN in the message)."""

    def __init__(self, attempts: int, waited: float) -> None:
        super().__init__(f"database unreachable after {attempts} attempts over {waited:.1f} s: giving up")
        self.attempts = attempts
        self.waited = waited


def backoff_delays(
    budget: float = DEFAULT_BUDGET_SECONDS,
    initial: float = INITIAL_DELAY_SECONDS,
    cap: float = MAX_DELAY_SECONDS,
) -> list[float]:
    """The waits between attempts: doubling from ``initial``, at most ``cap``, summing to ``budget``."""
    return retry_backoff.backoff_delays(budget, initial, cap)


def _log_retry(attempt: int, exc: BaseException, delay: float) -> None:
    logger.warning(
        "database not reachable (attempt %d, %s): retrying in %.1f s",
        attempt,
        type(exc).__name__,
        delay,
    )


def retry_until_reachable(
    action: Callable[[], T],
    *,
    budget: float = DEFAULT_BUDGET_SECONDS,
    initial: float = INITIAL_DELAY_SECONDS,
    cap: float = MAX_DELAY_SECONDS,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Run ``action`` until it does not fail with a :data:`TRANSIENT_ERRORS` error.

    Raises :class:`DatabaseUnreachable` (chained to the last error) once ``budget`` seconds
    of backoff are spent.
    """
    try:
        return retry_backoff.retry_with_backoff(
            action,
            transient=TRANSIENT_ERRORS,
            delays=backoff_delays(budget, initial, cap),
            sleep=sleep,
            on_retry=_log_retry,
        )
    except retry_backoff.RetriesExhausted as exhausted:
        raise DatabaseUnreachable(exhausted.attempts, exhausted.waited) from exhausted.__cause__


class DatabaseStartupWait:
    """:func:`retry_until_reachable` as the harness's ``startup_wait`` component (property 28).

    >>> build(budget_s=30.0).wait(lambda: upgrade(url, "head"), sleep=time.sleep)
    """

    def __init__(self, budget_s: float = DEFAULT_BUDGET_SECONDS) -> None:
        self.budget_s = budget_s

    def wait(self, connect: Callable[[], T], *, sleep: Callable[[float], object]) -> T:
        return retry_until_reachable(connect, budget=self.budget_s, sleep=sleep)


def build(*, budget_s: float = DEFAULT_BUDGET_SECONDS) -> DatabaseStartupWait:
    """The default ``[components] startup_wait = "reference_app.db.wait:build"``."""
    return DatabaseStartupWait(budget_s)
