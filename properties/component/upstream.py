"""23 (upstream latency tracking) and 26 (classified errors after retries) over ``UpstreamClient``.

The client under test is built by ``build(transport=..., clock=..., sleep=..., random=...)``
(the configured ``upstream_client`` factory) over a scripted upstream: a real httpx
transport whose answers come from the example (statuses, malformed bodies, connection
errors, timeouts), so no example waits or needs a network. A controlled clock moves the
breaker between its states; retries sleep on a fake clock.

The expected outcome of each call is read from what the upstream itself saw, never from
the client: no request reached it → ``circuit_open`` (503); its last attempt answered a
usable 200 → ``success``; its last attempt timed out → ``timeout`` (504); anything else →
``error`` (502).

- 23: every call adds exactly one observation, under the expected outcome label, and the
  availability gauge equals 1 / 0.5 / 0 for the breaker's closed / half-open / open state.
- 26: a failed call raises an exception whose ``status`` is the classified 502/503/504
  (503 with ``retry_after_s`` > 0), and whose text carries none of the upstream's words
  or the transport error's text.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from gauntlet.components.protocols import UpstreamClient

#: Builds the client under test from factory keywords (see ``UpstreamClient``).
BuildClient = Callable[..., UpstreamClient]
OUTCOMES = ("success", "error", "timeout", "circuit_open")
#: Gauge value per breaker state (the protocol's).
AVAILABILITY = {"closed": 1.0, "half_open": 0.5, "open": 0.0}
#: Planted in every upstream body and transport error: it must never reach the caller.
INTERNALS = 'gauntlet-secret-7Qx File "/srv/model/worker.py", line 42 Traceback'
#: Status classified per outcome (spec "Errors": 502 bad gateway, 503 breaker open, 504 timeout).
STATUS_OF = {"error": 502, "circuit_open": 503, "timeout": 504}
#: What the upstream does on one attempt.
BEHAVIOURS = ("ok", "404", "422", "500", "502", "503", "504", "garbage", "connect", "reset", "timeout", "pool")
FAILING = tuple(b for b in BEHAVIOURS if b != "ok")
#: Clock steps around the breaker's open period (30 s) and half-open timeout (10 s).
CLOCK_STEPS = (1.0, 10.0, 29.0, 30.0, 31.0)


@dataclass
class ScriptedUpstream(httpx.AsyncBaseTransport):
    """Answers the attempts of the current call with ``first``, then ``then`` for every retry."""

    first: str = "ok"
    then: str = "ok"
    seen: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        behaviour = self.first if not self.seen else self.then
        self.seen.append(behaviour)
        if behaviour == "ok":
            return httpx.Response(200, json={"summary": "DB down: primary failed over.", "model": "m1"})
        if behaviour == "garbage":
            return httpx.Response(200, content=f"<html>{INTERNALS}</html>".encode(), request=request)
        if behaviour == "connect":
            raise httpx.ConnectError(f"connection refused by 10.9.8.7:8001 {INTERNALS}", request=request)
        if behaviour == "reset":
            raise httpx.ReadError(f"connection reset by peer {INTERNALS}", request=request)
        if behaviour == "timeout":
            raise httpx.ReadTimeout(f"read timed out after 5 s {INTERNALS}", request=request)
        if behaviour == "pool":
            raise httpx.ConnectTimeout(f"connect timed out {INTERNALS}", request=request)
        status = int(behaviour)
        return httpx.Response(status, json={"detail": INTERNALS, "status": status}, request=request)


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


@dataclass(frozen=True)
class Call:
    """One draft call: the upstream's answers to its attempts (``then`` repeats)."""

    first: str
    then: str

    def __str__(self) -> str:
        return self.first if self.first == self.then else f"{self.first} then {self.then}"


@dataclass(frozen=True)
class Advance:
    seconds: float

    def __str__(self) -> str:
        return f"+{self.seconds:g} s"


@dataclass
class Observed:
    """What one call did: the expected outcome, what the client raised, and the metrics after."""

    call: Call
    expected: str
    error: BaseException | None
    delta: dict[str, int]
    availability: float
    state: str


#: Often a success (so the breaker closes again) or a timeout (its own class and label).
answers = st.sampled_from(["ok", "timeout"]) | st.sampled_from(BEHAVIOURS)
calls = st.builds(Call, first=answers, then=answers)
failing_calls = st.builds(Call, first=st.sampled_from(FAILING), then=st.sampled_from(FAILING))
#: Bursts of failing calls reach the breaker's minimum of 10 calls in the window.
bursts = st.tuples(failing_calls, st.integers(5, 12)).map(lambda pair: [pair[0]] * pair[1])
steps = st.lists(
    st.one_of(calls.map(lambda c: [c]), bursts, st.sampled_from(CLOCK_STEPS).map(lambda s: [Advance(s)])),
    min_size=1,
    max_size=16,
).map(lambda groups: [step for group in groups for step in group])


def expected_outcome(seen: list[str]) -> str:
    if not seen:
        return "circuit_open"
    if seen[-1] == "ok":
        return "success"
    if seen[-1] in ("timeout", "pool"):
        return "timeout"
    return "error"


async def drive(build: BuildClient, plan: list[Call | Advance]) -> list[Observed]:
    """Run ``plan`` against a fresh client; one ``Observed`` per call."""
    clock, upstream = Clock(), ScriptedUpstream()
    client = build(transport=upstream, clock=clock, sleep=_no_sleep, random=lambda: 0.5)
    observed: list[Observed] = []
    try:
        for step in plan:
            if isinstance(step, Advance):
                clock.now += step.seconds
                continue
            upstream.first, upstream.then, upstream.seen = step.first, step.then, []
            before = dict(client.observations())
            error: BaseException | None = None
            try:
                await client.draft(
                    title="DB down", description="Primary failed over.", correlation_id=None, idempotency_key="p23"
                )
            except Exception as exc:  # the classified error is what 26 inspects
                error = exc
            after = dict(client.observations())
            delta = {o: after.get(o, 0) - before.get(o, 0) for o in {*OUTCOMES, *after, *before}}
            # The gauge first: reading the state may itself refresh the gauge.
            gauge = float(client.availability())
            state = str(await client.breaker_state())
            observed.append(Observed(step, expected_outcome(upstream.seen), error, delta, gauge, state))
    finally:
        await client.aclose()
    return observed


async def run_given(body: Callable[..., Coroutine[Any, Any, None]], /, **strategies: st.SearchStrategy[Any]) -> None:
    """Hypothesis over ``body`` (a coroutine function), each example on the current loop."""
    loop = asyncio.get_running_loop()

    @settings(report_multiple_bugs=False)
    @given(**strategies)
    def property_holds(**drawn: Any) -> None:
        asyncio.run_coroutine_threadsafe(body(**drawn), loop).result()

    await asyncio.to_thread(property_holds)


def _history(plan: list[Call | Advance], upto: int) -> str:
    done = [str(step) for step in plan][: upto + 1]
    return " → ".join(done[-15:])


def _calls_of(plan: list[Call | Advance]) -> list[int]:
    return [i for i, step in enumerate(plan) if isinstance(step, Call)]


# ---------------------------------------------------------------- property 23


async def check_latency_tracking(build: BuildClient) -> None:
    """23: one observation per call under its outcome; the gauge follows the breaker."""

    async def each_call_is_observed_once_under_its_outcome(plan: list[Call | Advance]) -> None:
        observed = await drive(build, plan)
        for index, seen in zip(_calls_of(plan), observed, strict=True):
            moved = {outcome: n for outcome, n in seen.delta.items() if n}
            assert moved == {seen.expected: 1}, (
                f"call {seen.call} ({seen.expected}) moved the latency histogram by {moved or 'nothing'}, "
                f"expected {{{seen.expected!r}: 1}} (steps: {_history(plan, index)})"
            )
            assert seen.state in AVAILABILITY, f"breaker_state() returned {seen.state!r}"
            wanted = AVAILABILITY[seen.state]
            assert not math.isnan(seen.availability) and abs(seen.availability - wanted) < 1e-9, (
                f"the availability gauge reads {seen.availability} while the breaker is {seen.state!r} "
                f"(expected {wanted}; steps: {_history(plan, index)})"
            )

    await run_given(each_call_is_observed_once_under_its_outcome, plan=steps)


# ---------------------------------------------------------------- property 26


def _text_of(error: BaseException) -> str:
    return " ".join([str(error), repr(error), *(str(arg) for arg in error.args)])


async def check_classified_errors(build: BuildClient) -> None:
    """26: a failed call raises the classified 502/503/504, without the upstream's words."""

    async def failures_are_classified_without_internals(plan: list[Call | Advance]) -> None:
        observed = await drive(build, plan)
        for index, seen in zip(_calls_of(plan), observed, strict=True):
            where = f"(steps: {_history(plan, index)})"
            if seen.expected == "success":
                assert seen.error is None, f"call {seen.call} succeeded upstream but raised {seen.error!r} {where}"
                continue
            assert seen.error is not None, f"call {seen.call} failed upstream ({seen.expected}) but raised nothing"
            status = getattr(seen.error, "status", None)
            assert status == STATUS_OF[seen.expected], (
                f"call {seen.call} ({seen.expected}) raised {type(seen.error).__name__} with status {status}, "
                f"expected {STATUS_OF[seen.expected]} {where}"
            )
            if status == 503:
                retry_after = getattr(seen.error, "retry_after_s", None)
                assert isinstance(retry_after, int | float) and retry_after > 0, (
                    f"the breaker refused call {seen.call} with retry_after_s={retry_after!r}, expected > 0 {where}"
                )
            text = _text_of(seen.error)
            for leaked in ("gauntlet-secret", "Traceback", "/srv/model", "10.9.8.7"):
                assert leaked not in text, (
                    f"the error of call {seen.call} carries upstream internals ({leaked!r}): {text[:300]!r} {where}"
                )

    await run_given(failures_are_classified_without_internals, plan=steps)
