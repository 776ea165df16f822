"""25 and 29 fail on retry policies with one rule broken (the reference policy, mutated)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from properties.component.retry import (
    BuildPolicy,
    check_backoff_delays,
    check_classification,
    check_only_retryable_outcomes_are_retried,
    check_retry_loop,
)
from reference_app.resilience import ErrorClass, RetryPolicy, RetryTransport


def builder(cls: type[RetryPolicy]) -> BuildPolicy:
    def build(**keywords: Any) -> Any:
        return cls(**keywords)

    return build


class JitterAboveCeilingPolicy(RetryPolicy):
    """Draws from [0, 1.5·ceiling]: "a little extra spread"."""

    def delay(self, attempt: int, *, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> float | None:
        delay = super().delay(attempt, retry_after_s=retry_after_s, elapsed_s=elapsed_s)
        return None if delay is None else delay * 1.5


class UncappedPolicy(RetryPolicy):
    """Forgets the cap: the ceiling is base·2ⁿ however large."""

    def ceiling(self, attempt: int) -> float:
        return self.base_s * 2.0**attempt if attempt >= 1 else 0.0


class IgnoresRetryAfterPolicy(RetryPolicy):
    """Never looks at Retry-After."""

    def delay(self, attempt: int, *, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> float | None:
        return super().delay(attempt, elapsed_s=elapsed_s)


class OneAttemptTooManyPolicy(RetryPolicy):
    """Counts attempts from 1 where they start at 0: one extra attempt."""

    def delay(self, attempt: int, *, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> float | None:
        if attempt == self.max_attempts:
            return 0.0
        return super().delay(attempt, retry_after_s=retry_after_s, elapsed_s=elapsed_s)


class RetriesAnyErrorStatus(RetryTransport):
    """Retries every status >= 400, a 400 validation error included."""

    def _next_delay(self, outcome: Any, retry_after: Any, attempt: int, started: float, repeatable: bool) -> Any:
        if isinstance(outcome, int) and outcome >= 400 and repeatable:
            return self.policy.delay(attempt + 1, elapsed_s=self.policy.clock() - started)
        return super()._next_delay(outcome, retry_after, attempt, started, repeatable)


class RetriesAnyErrorStatusPolicy(RetryPolicy):
    def wrap(self, transport: httpx.AsyncBaseTransport) -> RetryTransport:
        return RetriesAnyErrorStatus(transport, self)


class ConfirmsSuccess(RetryTransport):
    """Calls once more after a success "to confirm it", returning the second answer."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        if response.status_code < 300:
            await response.aclose()
            return await self.inner.handle_async_request(request)
        return response


class ConfirmsSuccessPolicy(RetryPolicy):
    def wrap(self, transport: httpx.AsyncBaseTransport) -> RetryTransport:
        return ConfirmsSuccess(transport, self)


class ConflictIsRetryablePolicy(RetryPolicy):
    """Calls every 4xx retryable ("maybe it was a race")."""

    def classify(self, outcome: Any) -> ErrorClass:
        status = outcome.status_code if isinstance(outcome, httpx.Response) else outcome
        if isinstance(status, int) and 400 <= status < 500:
            return ErrorClass.RETRYABLE
        return super().classify(outcome)


def test_the_properties_hold_on_the_reference_policy() -> None:
    build = builder(RetryPolicy)
    check_backoff_delays(build)
    check_retry_loop(build)
    check_classification(build)
    check_only_retryable_outcomes_are_retried(build)


@pytest.mark.mutant(25)
def test_backoff_fails_when_jitter_exceeds_the_ceiling() -> None:
    with pytest.raises(AssertionError, match="outside the full-jitter interval"):
        check_backoff_delays(builder(JitterAboveCeilingPolicy))


@pytest.mark.mutant(25)
def test_backoff_fails_without_a_cap() -> None:
    with pytest.raises(AssertionError, match=r"outside the full-jitter interval|refused a retry within the limits"):
        check_backoff_delays(builder(UncappedPolicy))


@pytest.mark.mutant(25)
def test_retry_loop_fails_without_a_cap() -> None:
    with pytest.raises(AssertionError, match=r"outside \[0, min\(cap"):
        check_retry_loop(builder(UncappedPolicy))


@pytest.mark.mutant(25)
def test_backoff_fails_when_retry_after_is_ignored() -> None:
    with pytest.raises(AssertionError, match=r"Retry-After not honoured|Retry-After .* still gave delay"):
        check_backoff_delays(builder(IgnoresRetryAfterPolicy))


@pytest.mark.mutant(25)
def test_retry_loop_fails_when_retry_after_is_ignored() -> None:
    with pytest.raises(AssertionError, match=r"though the answer said Retry-After|beyond the cap"):
        check_retry_loop(builder(IgnoresRetryAfterPolicy))


@pytest.mark.mutant(25)
def test_retry_loop_fails_with_one_attempt_too_many() -> None:
    with pytest.raises(AssertionError, match="upstream calls with max_attempts="):
        check_retry_loop(builder(OneAttemptTooManyPolicy))


@pytest.mark.mutant(25)
def test_retry_loop_fails_when_a_success_is_called_again() -> None:
    with pytest.raises(AssertionError, match=r"the call went on after attempt|upstream calls with max_attempts="):
        check_retry_loop(builder(ConfirmsSuccessPolicy))


@pytest.mark.mutant(29)
def test_classification_fails_when_a_4xx_is_retryable() -> None:
    with pytest.raises(AssertionError, match=r"classify\(4\d\d\) = 'retryable', expected 'non_retryable'"):
        check_classification(builder(ConflictIsRetryablePolicy))


@pytest.mark.mutant(29)
def test_retrying_fails_when_a_non_retryable_400_is_retried() -> None:
    with pytest.raises(AssertionError, match=r"answered 4\d\d \(non-retryable, safe to repeat\) then 200: 2 upstream"):
        check_only_retryable_outcomes_are_retried(builder(RetriesAnyErrorStatusPolicy))
