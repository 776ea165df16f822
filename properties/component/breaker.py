"""27: the configured ``CircuitBreaker`` against a reference model (Hypothesis stateful).

The model is written here from the spec's words (spec/reference-app.md "Circuit
breaker", the ``CircuitBreaker`` protocol's docstring), not from any implementation, and
one controlled clock drives both. Rules acquire permits, record outcomes (success,
failure, ignored 4xx, slow successes), advance the clock, burst failures, and send real
httpx requests through ``wrap(transport)`` to a counting transport. After every step the
breaker's state equals the model's; an OPEN breaker rejects without calling the
upstream; HALF_OPEN admits no more trials than the model (at most the permitted ones).

The breaker is built by ``build(clock=...)`` once per run of the machine: the configured
factory with the storage the test chose (in memory, or Redis under a key prefix of that
run's own), so runs never share state.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from gauntlet.components.protocols import CircuitBreaker

T = TypeVar("T")
#: Builds a fresh breaker from the ``clock`` keyword (the storage is the caller's choice).
BuildBreaker = Callable[..., CircuitBreaker]

#: The spec's numbers (spec/reference-app.md "Circuit breaker"), which the factory's
#: defaults must follow: count window 20, minimum 10 calls, failure rate >= 50% opens,
#: a success slower than 2 s is a failure, open 30 s, 3 trials, half-open timeout 10 s.
WINDOW_SIZE = 20
MINIMUM_CALLS = 10
FAILURE_RATE = 0.5
SLOW_CALL_S = 2.0
OPEN_S = 30.0
HALF_OPEN_MAX_CALLS = 3
HALF_OPEN_TIMEOUT_S = 10.0
#: Tolerance when comparing a rejected call's Retry-After with the model's.
RETRY_AFTER_TOLERANCE_S = 1e-3
#: Clock steps: around the slow-call, half-open-timeout and open thresholds.
CLOCK_STEPS = (0.25, 1.0, 1.99, 2.0, 5.0, 9.99, 10.0, 15.0, 29.99, 30.0, 31.0)
OUTCOMES = ("success", "failure", "ignored")
#: Upstream answers sent through ``wrap`` and the outcome the spec gives each.
WRAP_ANSWERS = {200: "success", 201: "success", 404: "ignored", 422: "ignored", 500: "failure", 503: "failure"}


@dataclass
class ModelCall:
    epoch: int
    started: float


@dataclass
class BreakerModel:
    """CLOSED / OPEN / HALF_OPEN as the spec states them."""

    state: str = "closed"
    epoch: int = 0
    #: Outcomes of CLOSED calls, oldest first (True: failure).
    window: list[bool] = field(default_factory=list)
    opened_at: float = 0.0
    half_open_at: float = 0.0
    trials: int = 0

    def _enter(self, state: str, at: float) -> None:
        self.state, self.epoch, self.window, self.trials = state, self.epoch + 1, [], 0
        if state == "open":
            self.opened_at = at
        elif state == "half_open":
            self.half_open_at = at

    def tick(self, now: float) -> None:
        """Half-open with no trial completed for the timeout reopens, as of that moment."""
        if self.state == "half_open" and now >= self.half_open_at + HALF_OPEN_TIMEOUT_S:
            self._enter("open", self.half_open_at + HALF_OPEN_TIMEOUT_S)

    def acquire(self, now: float) -> tuple[bool, float, ModelCall | None]:
        """(admitted, retry_after_s, call); ``retry_after_s`` is only defined when OPEN."""
        self.tick(now)
        if self.state == "open":
            if now < self.opened_at + OPEN_S:
                return False, self.opened_at + OPEN_S - now, None
            self._enter("half_open", now)
        if self.state == "half_open":
            if self.trials >= HALF_OPEN_MAX_CALLS:
                return False, math.nan, None
            self.trials += 1
        return True, 0.0, ModelCall(self.epoch, now)

    def record(self, call: ModelCall, outcome: str, now: float) -> None:
        self.tick(now)
        if call.epoch != self.epoch:
            return  # the call straddled a transition: it records nothing
        if outcome == "success" and now - call.started >= SLOW_CALL_S:
            outcome = "failure"
        if self.state == "half_open":
            self.trials -= 1
            if outcome != "ignored":
                self._enter("closed" if outcome == "success" else "open", now)
            return
        if outcome == "ignored":
            return
        self.window = [*self.window, outcome == "failure"][-WINDOW_SIZE:]
        if len(self.window) >= MINIMUM_CALLS and sum(self.window) >= FAILURE_RATE * len(self.window):
            self._enter("open", now)


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class CountingTransport(httpx.AsyncBaseTransport):
    """The upstream behind ``wrap``: answers ``status`` and counts the calls it got."""

    status: int = 200
    calls: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return httpx.Response(self.status, content=b"{}", request=request)


async def check_breaker_follows_the_model(build: BuildBreaker) -> None:
    """27: the breaker's admissions and states equal the reference model's, step after step."""
    loop = asyncio.get_running_loop()

    def run(coroutine: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(_awaited(coroutine), loop).result()

    class BreakerFollowsTheModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = Clock()
            self.breaker = build(clock=self.clock)
            self.model = BreakerModel()
            self.in_flight: list[tuple[Any, ModelCall]] = []
            self.steps: list[str] = []

        def _where(self) -> str:
            recent = "; ".join(self.steps[-12:])
            return f"(model state {self.model.state!r}, t={self.clock.now - 1_000_000.0:g} s; last steps: {recent})"

        def _acquire(self) -> tuple[Any, ModelCall | None]:
            admission = run(self.breaker.acquire())
            admitted, retry_after, call = self.model.acquire(self.clock.now)
            self.steps.append("acquire " + ("admitted" if admission.admitted else "rejected"))
            assert bool(admission.admitted) == admitted, (
                f"acquire was {'admitted' if admission.admitted else 'rejected'}, the model "
                f"{'admits' if admitted else 'rejects'} it {self._where()}"
            )
            if not admitted and self.model.state == "open":
                assert abs(float(admission.retry_after_s) - retry_after) <= RETRY_AFTER_TOLERANCE_S, (
                    f"an OPEN rejection said retry after {admission.retry_after_s} s, the open period ends in "
                    f"{retry_after} s {self._where()}"
                )
            return admission.permit, call

        def _record(self, permit: Any, call: ModelCall, outcome: str) -> None:
            run(self.breaker.record(permit, outcome))
            self.model.record(call, outcome, self.clock.now)
            self.steps.append(f"record {outcome}")

        @rule()
        def acquire(self) -> None:
            permit, call = self._acquire()
            if call is not None:
                self.in_flight.append((permit, call))

        @rule(count=st.integers(2, HALF_OPEN_MAX_CALLS + 2))
        def concurrent_calls(self, count: int) -> None:
            """Several calls admitted before any ends (half-open trials in flight together)."""
            for _ in range(count):
                self.acquire()

        @precondition(lambda self: bool(self.in_flight))
        @rule(pick=st.integers(0, 100), outcome=st.sampled_from(OUTCOMES))
        def record(self, pick: int, outcome: str) -> None:
            permit, call = self.in_flight.pop(pick % len(self.in_flight))
            self._record(permit, call, outcome)

        @rule(outcome=st.sampled_from(OUTCOMES), count=st.sampled_from([1, 2, 5, MINIMUM_CALLS, WINDOW_SIZE]))
        def calls_in_a_row(self, outcome: str, count: int) -> None:
            for _ in range(count):
                permit, call = self._acquire()
                if call is not None:
                    self._record(permit, call, outcome)

        @rule(seconds=st.sampled_from(CLOCK_STEPS))
        def advance_clock(self, seconds: float) -> None:
            self.clock.now += seconds
            self.steps.append(f"+{seconds:g} s")

        @precondition(lambda self: self.model.state == "open")
        @rule(trials=st.integers(1, HALF_OPEN_MAX_CALLS + 2))
        def trials_after_the_open_period(self, trials: int) -> None:
            """Wait exactly until the open period ends, then start ``trials`` calls together."""
            self.clock.now = max(self.clock.now, self.model.opened_at + OPEN_S)
            self.steps.append("wait out the open period")
            for _ in range(trials):
                self.acquire()

        @rule(status=st.sampled_from(sorted(WRAP_ANSWERS)))
        def call_through_wrap(self, status: int) -> None:
            upstream = CountingTransport(status)
            _, _, call = self.model.acquire(self.clock.now)
            outcome = run(_send(self.breaker.wrap(upstream)))
            self.steps.append(f"wrapped call answering {status}: upstream called {upstream.calls}x")
            if call is None:
                assert upstream.calls == 0, (
                    f"the breaker let a call through to the upstream while the model rejects it {self._where()}"
                )
                assert isinstance(outcome, Exception), (
                    f"a rejected call through wrap() answered {outcome} instead of raising {self._where()}"
                )
                return
            assert upstream.calls == 1, (
                f"an admitted call through wrap() reached the upstream {upstream.calls} times {self._where()}"
            )
            self.model.record(call, WRAP_ANSWERS[status], self.clock.now)

        @invariant()
        def states_agree(self) -> None:
            state = str(run(self.breaker.state()))
            self.model.tick(self.clock.now)
            assert state == self.model.state, f"the breaker is {state!r}, the model {self._where()}"

    def run_machine() -> None:
        run_state_machine_as_test(
            BreakerFollowsTheModel, settings=settings(report_multiple_bugs=False, stateful_step_count=40)
        )

    await asyncio.to_thread(run_machine)


async def _awaited(coroutine: Awaitable[T]) -> T:
    return await coroutine


async def _send(transport: Any) -> httpx.Response | Exception:
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream.gauntlet.test") as client:
        try:
            return await client.get("/v1/draft")
        except Exception as exc:  # a rejection: the caller checks the upstream was not called
            return exc
