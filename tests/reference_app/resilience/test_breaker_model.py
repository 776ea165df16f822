"""The breaker against a reference model under Hypothesis stateful testing (property 27).

The model below is written from the spec's words, independently of breaker_state.py; a
controlled clock drives both. Run over the in-memory storage and over Redis (Lua).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from redis.asyncio import Redis

from reference_app.resilience import BreakerConfig, CircuitBreaker, MemoryBreakerStorage, RedisBreakerStorage

#: Spec numbers, with a small window so short runs reach every state.
CONFIG = BreakerConfig(
    window_size=6, minimum_calls=4, failure_rate_threshold=0.5, slow_call_s=2.0, open_s=30.0,
    half_open_max_calls=3, half_open_timeout_s=10.0,
)  # fmt: skip


@dataclass
class ModelCall:
    epoch: int
    started: float
    trial: bool


@dataclass
class Model:
    """CLOSED/OPEN/HALF_OPEN as the spec states them."""

    state: str = "closed"
    epoch: int = 0
    outcomes: list[bool] = field(default_factory=list)  # True = failure, newest last
    opened_at: float = 0.0
    half_open_since: float = 0.0
    trials: int = 0

    def _go(self, state: str, at: float) -> None:
        self.state, self.epoch, self.outcomes, self.trials = state, self.epoch + 1, [], 0
        if state == "open":
            self.opened_at = at
        if state == "half_open":
            self.half_open_since = at

    def tick(self, now: float) -> None:
        # "half-open without completion in 10 s reopens"
        if self.state == "half_open" and now - self.half_open_since >= CONFIG.half_open_timeout_s:
            self._go("open", self.half_open_since + CONFIG.half_open_timeout_s)

    def acquire(self, now: float) -> tuple[bool, float, ModelCall | None]:
        self.tick(now)
        if self.state == "open":
            if now - self.opened_at < CONFIG.open_s:
                return False, self.opened_at + CONFIG.open_s - now, None
            self._go("half_open", now)
        if self.state == "half_open":
            if self.trials == CONFIG.half_open_max_calls:
                return False, max(0.0, self.half_open_since + CONFIG.half_open_timeout_s - now), None
            self.trials += 1
            return True, 0.0, ModelCall(self.epoch, now, True)
        return True, 0.0, ModelCall(self.epoch, now, False)

    def record(self, call: ModelCall, outcome: str, now: float) -> None:
        self.tick(now)
        if call.epoch != self.epoch:
            return
        failed = outcome == "failure" or (outcome == "success" and now - call.started >= CONFIG.slow_call_s)
        if self.state == "half_open":
            self.trials -= 1
            if outcome == "ignored" and not failed:
                return
            self._go("open" if failed else "closed", now)
            return
        if outcome == "ignored":
            return
        self.outcomes = [*self.outcomes, failed][-CONFIG.window_size :]
        if len(self.outcomes) >= CONFIG.minimum_calls and sum(self.outcomes) / len(self.outcomes) >= 0.5:
            self._go("open", now)


class BreakerMachine(RuleBasedStateMachine):
    #: Set by the test from the session's ``redis_url``; None: in-memory storage.
    redis_url: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.now = 1_000_000.0
        self.model = Model()
        self.calls: list[tuple[object, ModelCall]] = []
        if self.redis_url is not None:
            self.redis = Redis.from_url(self.redis_url)
            self.storage = RedisBreakerStorage(self.redis, key_prefix=f"test:cbm:{secrets.token_hex(6)}:")
        else:
            self.storage = MemoryBreakerStorage()
        self.breaker = self._new_breaker()

    def _new_breaker(self) -> CircuitBreaker:
        return CircuitBreaker("model-server", self.storage, config=CONFIG, clock=lambda: self.now)

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        if self.redis_url is not None:
            self.run(self.redis.delete(self.storage.key("model-server")))
            self.run(self.redis.aclose())
        self.loop.close()

    @rule()
    def acquire(self) -> None:
        admission = self.run(self.breaker.acquire())
        admitted, retry_after, call = self.model.acquire(self.now)
        assert admission.admitted == admitted, (admission, self.model)
        assert admission.state == self.model.state
        if admitted:
            assert call is not None and admission.permit is not None
            self.calls.append((admission.permit, call))
        else:
            assert admission.retry_after_s == pytest.approx(retry_after, abs=1e-6)

    @precondition(lambda self: self.calls)
    @rule(data=st.data(), outcome=st.sampled_from(["success", "failure", "ignored"]))
    def complete(self, data, outcome) -> None:
        index = data.draw(st.integers(min_value=0, max_value=len(self.calls) - 1))
        permit, call = self.calls.pop(index)
        state = self.run(self.breaker.record(permit, outcome))
        self.model.record(call, outcome, self.now)
        assert state == self.model.state

    @rule(seconds=st.sampled_from([0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0]))
    def wait(self, seconds) -> None:
        self.now += seconds

    @rule()
    def replace_the_breaker_object(self) -> None:
        # State lives in the storage: a new instance is the same breaker.
        self.breaker = self._new_breaker()

    @invariant()
    def the_state_matches_the_model(self) -> None:
        state = self.run(self.breaker.state())
        self.model.tick(self.now)
        assert state == self.model.state


def test_the_in_memory_breaker_matches_the_model():
    run_state_machine_as_test(
        BreakerMachine,
        settings=settings(max_examples=150, stateful_step_count=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )  # fmt: skip


def test_the_redis_breaker_matches_the_model(redis_url):
    machine = type("RedisBreakerMachine", (BreakerMachine,), {"redis_url": redis_url})
    run_state_machine_as_test(
        machine,
        settings=settings(max_examples=100, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )  # fmt: skip


def test_the_model_reaches_every_state():
    model = Model()
    now = 0.0
    for _ in range(CONFIG.minimum_calls):
        _, _, call = model.acquire(now)
        model.record(call, "failure", now)
    assert model.state == "open"
    admitted, _, call = model.acquire(now + CONFIG.open_s)
    assert admitted and model.state == "half_open"
    model.record(call, "success", now + CONFIG.open_s)
    assert model.state == "closed"
