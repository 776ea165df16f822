"""The shared start-up retry loop (``reference_app.retry_backoff``), sync and asyncio."""

from __future__ import annotations

import pytest

from reference_app.retry_backoff import RetriesExhausted, aretry_with_backoff, backoff_delays


def test_delays_double_from_the_initial_value_up_to_the_cap_and_sum_to_the_budget():
    assert backoff_delays(5.0, 0.25, 2.0) == [0.25, 0.5, 1.0, 2.0, 1.25]
    assert backoff_delays(0.0, 0.25, 2.0) == []


async def test_async_retries_transient_errors_with_the_delays_then_returns():
    outcomes: list[Exception | None] = [ConnectionError("refused"), ConnectionError("refused"), None]
    slept: list[float] = []
    told: list[tuple[int, str, float]] = []

    async def action() -> str:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return "up"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    result = await aretry_with_backoff(
        action,
        transient=(ConnectionError,),
        delays=[0.1, 0.2, 0.4],
        sleep=sleep,
        on_retry=lambda attempt, error, delay: told.append((attempt, type(error).__name__, delay)),
    )
    assert result == "up"
    assert slept == [0.1, 0.2]
    assert told == [(1, "ConnectionError", 0.1), (2, "ConnectionError", 0.2)]


async def test_async_gives_up_after_the_last_delay_chained_to_the_last_error():
    attempts = 0

    async def never() -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionError(f"refused #{attempts}")

    async def sleep(_seconds: float) -> None:
        return None

    with pytest.raises(RetriesExhausted) as raised:
        await aretry_with_backoff(never, transient=(ConnectionError,), delays=[0.1, 0.2], sleep=sleep)
    assert attempts == 3 == raised.value.attempts
    assert raised.value.waited == pytest.approx(0.3)
    assert str(raised.value.__cause__) == "refused #3"


async def test_async_raises_other_errors_at_once():
    slept: list[float] = []

    async def broken() -> None:
        raise ValueError("not a connection problem")

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    with pytest.raises(ValueError, match="not a connection problem"):
        await aretry_with_backoff(broken, transient=(ConnectionError,), delays=[0.1], sleep=sleep)
    assert slept == []
