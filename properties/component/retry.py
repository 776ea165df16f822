"""25 (retry with exponential backoff) and 29 (error classification) over ``RetryPolicy``.

Each ``check_*`` takes a ``build(**keywords)`` callable returning a policy that satisfies
the ``RetryPolicy`` protocol (the configured factory by default) and drives it with
Hypothesis. The randomness, the sleeping and the clock are injected (factory keywords
``random``, ``sleep``, ``clock``), and ``wrap`` is driven by a scripted httpx transport
(real httpx requests and responses; the answers and exceptions come from a script), so
no example waits for real time.

- 25: ``delay(n)`` lies in [0, min(cap_s, base_s·2ⁿ)] (the interval is computed here, not
  read from ``ceiling``); no attempt n ≥ max_attempts; a ``Retry-After`` within the cap
  raises the delay to at least its value, one beyond the cap means no retry; through
  ``wrap``, attempts ≤ max_attempts, the first success ends the call, every slept delay is
  in its interval (or ≥ the answer's Retry-After), and the time slept stays within the
  deadline.
- 29: ``classify`` is total and deterministic over statuses, responses and exceptions, puts
  each in exactly one of ``retryable``/``non_retryable`` as the protocol documents, and
  ``wrap`` retries an outcome once more iff it is retryable (and the request is safe to
  repeat).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from gauntlet.components.protocols import RetryPolicy

#: Builds the policy under test from factory keywords (see ``RetryPolicy``'s docstring).
BuildPolicy = Callable[..., RetryPolicy]
RETRYABLE = "retryable"
NON_RETRYABLE = "non_retryable"
#: Statuses the protocol calls retryable; every other status is non-retryable.
RETRYABLE_STATUSES = frozenset({408, 429, 502, 503, 504})
#: Float slack for comparing a delay with its computed ceiling.
EPSILON = 1e-9
URL = "http://upstream.gauntlet.test/v1/resource"


# ---------------------------------------------------------------- a scripted upstream


@dataclass(frozen=True)
class Step:
    """One scripted answer: a status (with an optional Retry-After), or an exception."""

    status: int | None = None
    retry_after: int | None = None
    error: type[BaseException] | None = None

    def __str__(self) -> str:
        if self.error is not None:
            return self.error.__name__
        return f"{self.status}" + (f" (Retry-After: {self.retry_after})" if self.retry_after is not None else "")


def _raise(error: type[BaseException], request: httpx.Request) -> None:
    if issubclass(error, httpx.RequestError):
        raise error("scripted failure", request=request)
    raise error("scripted failure")


@dataclass
class ScriptedTransport(httpx.AsyncBaseTransport):
    """Answers with ``script`` in order (the last step repeats); counts the calls."""

    script: list[Step]
    calls: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        step = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if step.error is not None:
            _raise(step.error, request)
        assert step.status is not None
        headers = {"Retry-After": str(step.retry_after)} if step.retry_after is not None else {}
        return httpx.Response(step.status, headers=headers, content=b'{"scripted": true}', request=request)


@dataclass
class FakeTime:
    """Clock and sleep of one example: sleeping advances the clock and is recorded."""

    now: float = 0.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Draws:
    """A fixed sequence of "random" numbers in [0, 1], repeated; counts the draws."""

    values: list[float]
    taken: int = 0

    def __call__(self) -> float:
        value = self.values[self.taken % len(self.values)]
        self.taken += 1
        return value


def ceiling(attempt: int, base_s: float, cap_s: float) -> float:
    """The documented upper end of the delay before ``attempt``: min(cap, base·2ⁿ)."""
    return cap_s if attempt >= 64 else min(cap_s, base_s * 2.0**attempt)


async def _send(transport: Any, method: str, headers: dict[str, str]) -> httpx.Response | BaseException:
    async with httpx.AsyncClient(transport=transport) as client:
        try:
            return await client.request(method, URL, headers=headers)
        except Exception as exc:  # the caller inspects what the policy let through
            return exc


# ---------------------------------------------------------------- strategies


@st.composite
def policy_keywords(draw: st.DrawFn) -> dict[str, Any]:
    """Policy parameters: base in [1 ms, 2 s], a cap often a few doublings above it, 1-6 attempts."""
    base = draw(st.sampled_from([0.001, 0.05, 0.1, 0.25, 1.0, 2.0]))
    cap = draw(st.sampled_from([0.1, 0.5, 1.0, 3.0, 10.0, 20.0]) | st.sampled_from([1.0, 1.5, 2.0, 3.0, 5.0]).map(
        lambda doublings: base * doublings))  # fmt: skip
    return {
        "max_attempts": draw(st.integers(1, 6)),
        "base_s": base,
        "cap_s": cap,
        "deadline_s": draw(st.sampled_from([1.0, 5.0, 30.0, 1000.0])),
    }


#: Draws of the random source: often the ends of [0, 1], where bounds are tested.
unit_draws = st.lists(st.sampled_from([1.0, 0.0]) | st.floats(0.0, 1.0), min_size=1, max_size=8)
retryable_steps = st.one_of(
    st.builds(Step, status=st.sampled_from(sorted(RETRYABLE_STATUSES)), retry_after=st.integers(1, 12) | st.none()),
    st.builds(Step, error=st.sampled_from([httpx.ConnectError, httpx.ReadTimeout, httpx.ConnectTimeout])),
)
#: Answers that end a call: mostly successes (the first one must end it), or a 4xx.
final_steps = st.builds(Step, status=st.sampled_from([200, 200, 201, 204, 400, 404, 422]))
scripts = st.tuples(st.lists(retryable_steps, max_size=7), st.none() | final_steps | final_steps).map(
    lambda parts: [*parts[0], parts[1]] if parts[1] is not None else parts[0] or [Step(status=503)]
)


# ---------------------------------------------------------------- property 25


def check_backoff_delays(build: BuildPolicy) -> None:
    """25: every delay within [0, min(cap, base·2ⁿ)]; none from max_attempts on; Retry-After honoured."""

    @settings(report_multiple_bugs=False)
    @given(
        keywords=policy_keywords(), draws=unit_draws, retry_afters=st.lists(st.integers(0, 25), min_size=7, max_size=7)
    )
    def delays_stay_in_the_jitter_interval(
        keywords: dict[str, Any], draws: list[float], retry_afters: list[int]
    ) -> None:
        time = FakeTime()
        policy = build(random=Draws(draws), sleep=time.sleep, clock=time.clock, **keywords)
        cap, deadline, most = keywords["cap_s"], keywords["deadline_s"], keywords["max_attempts"]
        for attempt, retry_after in enumerate(retry_afters, start=1):
            top = ceiling(attempt, keywords["base_s"], cap)
            delays = [policy.delay(attempt) for _ in draws]
            delay = max(delays, key=lambda d: -1.0 if d is None else d)
            if attempt >= most:
                assert delay is None, (
                    f"delay({attempt}) = {delay} with max_attempts={most}: attempt {attempt} is one too many"
                )
                continue
            if top > deadline:
                continue  # the deadline may refuse it: covered through wrap()
            assert None not in delays and delay is not None, (
                f"delay({attempt}) refused a retry within the limits {keywords}"
            )
            assert -EPSILON <= delay <= top + EPSILON, (
                f"delay({attempt}) = {delay} is outside the full-jitter interval [0, min(cap {cap}, "
                f"base {keywords['base_s']}·2^{attempt})] = [0, {top}] ({keywords}, random draws {draws})"
            )
            assert delay <= cap + EPSILON, f"delay({attempt}) = {delay} exceeds the cap {cap}"
            honoured = policy.delay(attempt, retry_after_s=float(retry_after))
            if retry_after > cap:
                assert honoured is None, (
                    f"Retry-After {retry_after} s beyond the cap {cap} s still gave delay {honoured}"
                )
            elif max(retry_after, top) <= deadline:
                assert honoured is not None and honoured >= retry_after - EPSILON, (
                    f"delay({attempt}, retry_after_s={retry_after}) = {honoured}: Retry-After not honoured ({keywords})"
                )

    delays_stay_in_the_jitter_interval()


def check_retry_loop(build: BuildPolicy) -> None:
    """25: through ``wrap``, at most max_attempts calls, the first success ends it, delays bounded."""

    @settings(report_multiple_bugs=False)
    @given(keywords=policy_keywords(), draws=unit_draws, script=scripts, retry_after=st.integers(1, 12))
    def retries_are_bounded_and_stop_at_success(
        keywords: dict[str, Any], draws: list[float], script: list[Step], retry_after: int
    ) -> None:
        # The drawn script; its failures followed by a success within max_attempts (so every
        # example checks that a success ends the call); and a 503 with Retry-After, then 200.
        failures = [step for step in script if step.error is not None or step.status in RETRYABLE_STATUSES]
        variants = (
            script,
            [*failures[: keywords["max_attempts"] - 1], Step(status=200)],
            [Step(status=503, retry_after=retry_after), Step(status=200)],
        )
        for variant in variants:
            one_call_keeps_the_rules(keywords, draws, variant)

    def one_call_keeps_the_rules(keywords: dict[str, Any], draws: list[float], script: list[Step]) -> None:
        time = FakeTime()
        policy = build(random=Draws(draws), sleep=time.sleep, clock=time.clock, **keywords)
        upstream = ScriptedTransport(script)
        asyncio.run(_send(policy.wrap(upstream), "GET", {}))
        most, cap, deadline = keywords["max_attempts"], keywords["cap_s"], keywords["deadline_s"]
        steps = " → ".join(str(step) for step in script)
        assert 1 <= upstream.calls <= most, (
            f"{upstream.calls} upstream calls with max_attempts={most} (script: {steps})"
        )
        first_final = next(
            (i for i, step in enumerate(script) if step.error is None and step.status not in RETRYABLE_STATUSES), None
        )
        if first_final is not None:
            assert upstream.calls <= first_final + 1, (
                f"the call went on after attempt {first_final} answered {script[first_final]} ({steps})"
            )
        assert len(time.slept) == upstream.calls - 1, (
            f"{len(time.slept)} sleeps for {upstream.calls} attempts: every retry waits its delay first ({steps})"
        )
        for attempt, slept in enumerate(time.slept, start=1):
            answered = script[min(attempt - 1, len(script) - 1)]
            top = ceiling(attempt, keywords["base_s"], cap)
            if answered.retry_after is not None:
                assert slept >= answered.retry_after - EPSILON, (
                    f"slept {slept} s before attempt {attempt} though the answer said Retry-After: "
                    f"{answered.retry_after} ({steps}, {keywords})"
                )
                assert answered.retry_after <= cap, (
                    f"retried after Retry-After {answered.retry_after} s, beyond the cap {cap} s ({steps})"
                )
            else:
                assert -EPSILON <= slept <= top + EPSILON, (
                    f"slept {slept} s before attempt {attempt}, outside [0, min(cap {cap}, base·2^{attempt})] = "
                    f"[0, {top}] ({steps}, {keywords}, random draws {draws})"
                )
        assert sum(time.slept) <= deadline + EPSILON, (
            f"slept {sum(time.slept)} s in total, past the deadline {deadline} s ({steps})"
        )

    retries_are_bounded_and_stop_at_success()


# ---------------------------------------------------------------- property 29

#: Timeouts and connection errors: retryable by the protocol.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout,
    httpx.ReadError, httpx.WriteError, TimeoutError, ConnectionError, ConnectionRefusedError,
    ConnectionResetError, BrokenPipeError,
)  # fmt: skip
#: Programming errors and requests that cannot be sent as written: never retryable.
NON_RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, KeyError, AttributeError, RuntimeError, ZeroDivisionError, NotImplementedError,
    LookupError, httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL,
)  # fmt: skip
#: Exceptions the protocol leaves to the implementation: only determinism is required.
UNSPECIFIED_ERRORS: tuple[type[BaseException], ...] = (
    httpx.RemoteProtocolError, httpx.ProxyError, httpx.DecodingError, httpx.CloseError, httpx.TooManyRedirects,
)  # fmt: skip


def _instance(error: type[BaseException]) -> BaseException:
    if issubclass(error, httpx.RequestError):
        return error("classified", request=httpx.Request("GET", URL))
    return error("classified")


def expected_class(outcome: int | type[BaseException]) -> str | None:
    """What the protocol says ``outcome`` is; None where it leaves the choice open."""
    if isinstance(outcome, int):
        return RETRYABLE if outcome in RETRYABLE_STATUSES else NON_RETRYABLE
    if outcome in UNSPECIFIED_ERRORS:
        return None
    if outcome in RETRYABLE_ERRORS:
        return RETRYABLE
    return NON_RETRYABLE


statuses = st.integers(100, 599) | st.sampled_from(sorted(RETRYABLE_STATUSES | {400, 401, 403, 404, 409, 422, 500}))
errors = st.sampled_from(RETRYABLE_ERRORS + NON_RETRYABLE_ERRORS + UNSPECIFIED_ERRORS)
outcomes = statuses | errors


def check_classification(build: BuildPolicy) -> None:
    """29: one class per outcome, always the same, the documented one where documented."""

    @settings(report_multiple_bugs=False)
    @given(drawn=st.lists(outcomes, min_size=1, max_size=40))
    def each_outcome_has_exactly_one_class(drawn: list[int | type[BaseException]]) -> None:
        policy = build(random=lambda: 0.0, sleep=FakeTime().sleep, clock=lambda: 0.0)
        for outcome in drawn:
            if isinstance(outcome, int):
                forms: list[Any] = [outcome, outcome, httpx.Response(outcome, request=httpx.Request("GET", URL))]
            else:
                forms = [_instance(outcome), _instance(outcome)]
            classes = [str(policy.classify(form)) for form in forms]
            label = outcome if isinstance(outcome, int) else outcome.__name__
            assert all(cls in (RETRYABLE, NON_RETRYABLE) for cls in classes), (
                f"classify({label}) gave {classes}: each must be {RETRYABLE!r} or {NON_RETRYABLE!r}"
            )
            assert len(set(classes)) == 1, f"classify({label}) is not deterministic: {classes}"
            expected = expected_class(outcome)
            if expected is not None:
                assert classes[0] == expected, f"classify({label}) = {classes[0]!r}, expected {expected!r}"

    each_outcome_has_exactly_one_class()


def check_only_retryable_outcomes_are_retried(build: BuildPolicy) -> None:
    """29: an outcome followed by a success is retried once iff it is retryable and repeatable."""

    requests = st.sampled_from(["GET", "PUT", "DELETE", "POST", "POST+key", "PATCH"])

    @settings(report_multiple_bugs=False)
    @given(cases=st.lists(st.tuples(outcomes, requests), min_size=1, max_size=20))
    def only_retryable_outcomes_are_retried(cases: list[tuple[int | type[BaseException], str]]) -> None:
        for outcome, request in cases:
            time = FakeTime()
            policy = build(random=lambda: 0.0, sleep=time.sleep, clock=time.clock, max_attempts=3, base_s=0.1,
                           cap_s=10.0, deadline_s=30.0)  # fmt: skip
            first = Step(status=outcome) if isinstance(outcome, int) else Step(error=outcome)
            upstream = ScriptedTransport([first, Step(status=200)])
            method, _, keyed = request.partition("+")
            asyncio.run(_send(policy.wrap(upstream), method, {"Idempotency-Key": "gauntlet-29"} if keyed else {}))
            label = outcome if isinstance(outcome, int) else outcome.__name__
            cls = str(policy.classify(_instance(outcome) if not isinstance(outcome, int) else outcome))
            repeatable = method in ("GET", "PUT", "DELETE") or bool(keyed)
            expected = 2 if cls == RETRYABLE and repeatable else 1
            why = "retryable" if cls == RETRYABLE else "non-retryable"
            why += ", safe to repeat" if repeatable else ", not safe to repeat (no Idempotency-Key)"
            assert upstream.calls == expected, (
                f"{request} answered {label} ({why}) then 200: {upstream.calls} upstream calls, expected {expected}"
            )

    only_retryable_outcomes_are_retried()
