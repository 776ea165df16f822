"""RetryPolicy / RetryTransport: delays in bounds, Retry-After, limits (property 25)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_app.resilience import RetryBudget, RetryPolicy, build_retry_policy, retry_after_seconds


class Recorder:
    """A fake clock and sleep: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*answers: int | Exception, headers: dict[str, str] | None = None):
    """A MockTransport answering ``answers`` in order (the last repeats); counts calls."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers[min(len(calls), len(answers) - 1)]
        calls.append(request)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, headers=headers or {})

    return httpx.MockTransport(handler), calls


def policy_with(recorder: Recorder, *, random: float = 1.0, **kwargs) -> RetryPolicy:
    return build_retry_policy(random=lambda: random, sleep=recorder.sleep, clock=recorder.clock, **kwargs)


async def send(policy: RetryPolicy, transport: httpx.AsyncBaseTransport, method: str = "GET", **kwargs):
    async with httpx.AsyncClient(transport=policy.wrap(transport), base_url="http://upstream") as client:
        return await client.request(method, "/v1/x", **kwargs)


@given(attempt=st.integers(min_value=1, max_value=200), draw=st.floats(min_value=0.0, max_value=1.0))
def test_the_delay_before_attempt_n_lies_in_zero_to_min_cap_base_two_to_the_n(attempt, draw):
    policy = RetryPolicy(max_attempts=1000, random=lambda: draw, deadline_s=1e9)
    delay = policy.delay(attempt)
    assert delay is not None
    assert 0.0 <= delay <= min(policy.cap_s, policy.base_s * 2.0 ** min(attempt, 64)) <= policy.cap_s


@given(retry_after=st.floats(min_value=0.0, max_value=10.0), draw=st.floats(min_value=0.0, max_value=1.0))
def test_retry_after_raises_the_delay_to_at_least_its_value(retry_after, draw):
    policy = RetryPolicy(random=lambda: draw)
    delay = policy.delay(1, retry_after_s=retry_after)
    assert delay == max(retry_after, draw * policy.ceiling(1))


def test_no_retry_past_the_cap_the_attempts_or_the_deadline():
    policy = RetryPolicy(random=lambda: 1.0)
    assert policy.delay(1, retry_after_s=10.5) is None
    assert policy.delay(3) is None and policy.delay(0) is None
    assert policy.delay(2, elapsed_s=29.9) is None
    assert policy.delay(2, elapsed_s=29.5) == pytest.approx(0.4)


async def test_retries_a_get_until_the_first_success_with_bounded_delays():
    recorder = Recorder()
    transport, calls = scripted(503, 502, 200)
    response = await send(policy_with(recorder, random=0.5), transport)
    assert response.status_code == 200
    assert len(calls) == 3
    assert recorder.sleeps == [pytest.approx(0.1), pytest.approx(0.2)]  # 0.5 · min(10, 0.1·2ⁿ)


async def test_stops_at_the_first_success():
    recorder = Recorder()
    transport, calls = scripted(503, 200, 503)
    assert (await send(policy_with(recorder), transport)).status_code == 200
    assert len(calls) == 2


@pytest.mark.parametrize("answer", [500, 501, 400, 404, 422])
async def test_non_retryable_answers_are_returned_at_once(answer):
    recorder = Recorder()
    transport, calls = scripted(answer)
    assert (await send(policy_with(recorder), transport)).status_code == answer
    assert len(calls) == 1 and recorder.sleeps == []


async def test_attempts_never_exceed_the_maximum_and_the_last_answer_is_returned():
    recorder = Recorder()
    transport, calls = scripted(503)
    assert (await send(policy_with(recorder), transport)).status_code == 503
    assert len(calls) == 3 and len(recorder.sleeps) == 2


async def test_a_connection_error_is_retried_then_raised():
    recorder = Recorder()
    transport, calls = scripted(httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError):
        await send(policy_with(recorder), transport)
    assert len(calls) == 3


async def test_a_post_is_not_retried_without_an_idempotency_key():
    recorder = Recorder()
    transport, calls = scripted(503, 200)
    assert (await send(policy_with(recorder), transport, "POST", json={})).status_code == 503
    assert len(calls) == 1


async def test_a_post_with_an_idempotency_key_is_retried_with_the_same_body():
    recorder = Recorder()
    transport, calls = scripted(503, 200)
    response = await send(policy_with(recorder), transport, "POST", json={"a": 1}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 200
    assert [call.content for call in calls] == [b'{"a":1}', b'{"a":1}']


async def test_retry_after_is_honoured_over_the_jitter():
    recorder = Recorder()
    transport, _calls = scripted(429, 200, headers={"Retry-After": "3"})
    assert (await send(policy_with(recorder, random=0.0), transport)).status_code == 200
    assert recorder.sleeps == [3.0]


async def test_a_retry_after_beyond_the_cap_is_not_waited_for():
    recorder = Recorder()
    transport, calls = scripted(503, 200, headers={"Retry-After": "120"})
    assert (await send(policy_with(recorder), transport)).status_code == 503
    assert len(calls) == 1 and recorder.sleeps == []


async def test_no_attempt_may_run_past_the_overall_deadline():
    recorder, seen = Recorder(), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))  # as this attempt saw them
        return httpx.Response(200 if len(seen) == 3 else 503)

    policy = policy_with(recorder, deadline_s=1.0, random=1.0)
    transport = policy.wrap(httpx.MockTransport(handler))
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream", timeout=5.0) as client:
        assert (await client.get("/v1/x")).status_code == 200
    assert recorder.sleeps == [0.2, 0.4]
    # Each attempt's timeouts are the client's 5 s lowered to what is left of the 1 s deadline.
    for timeouts, left in zip(seen, [1.0, 1.0 - 0.2, 1.0 - 0.2 - 0.4], strict=True):
        assert timeouts == pytest.approx(dict.fromkeys(("connect", "read", "write", "pool"), left))


async def test_no_retry_would_end_past_the_overall_deadline():
    recorder = Recorder()
    transport, calls = scripted(503, 503, 200, headers={"Retry-After": "8"})
    assert (await send(policy_with(recorder, deadline_s=10.0), transport)).status_code == 503
    assert recorder.sleeps == [8.0]  # a second 8 s wait would end at 16 s > 10 s
    assert len(calls) == 2


async def test_the_budget_stops_a_retry_storm():
    recorder = Recorder()
    # The clock of the budget stands still: only the per-call deposits refill it.
    budget = RetryBudget(ratio=0.2, floor_per_second=1.0, capacity=10, clock=lambda: 0.0)
    policy = policy_with(recorder, budget=budget)
    transport, calls = scripted(503)
    calls_made = 200
    for _ in range(calls_made):
        await send(policy, transport)
    retries = len(calls) - calls_made
    assert retries <= 10 + 0.2 * calls_made  # capacity + ratio · calls
    assert retries < calls_made  # without a budget: 2 retries per call = 400
    assert budget.refused > 0


def test_the_budget_refills_with_time_at_the_floor_rate():
    now = [0.0]
    budget = RetryBudget(ratio=0.0, floor_per_second=2.0, capacity=4, clock=lambda: now[0])
    assert sum(budget.try_withdraw() for _ in range(10)) == 4
    now[0] = 1.0
    assert sum(budget.try_withdraw() for _ in range(10)) == 2


def test_retry_after_accepts_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("5") == 5.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:07 GMT", now=now) == 7.0
    assert retry_after_seconds("-1") is None and retry_after_seconds("x") is None and retry_after_seconds(None) is None
