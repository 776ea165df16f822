"""17, 18, 19, 20: background jobs through the configured ``TaskQueue``, with a real worker.

Each ``check_*`` takes a queue satisfying the ``TaskQueue`` protocol whose ``worker()`` is
running (one worker process, one job at a time) and drives it with probe jobs
(``TaskScript``: fail retryably n times, wait for a release, return label and pid).
Nothing here times anything: "promptly" is proved by a job that cannot finish until the
check releases it, delays are read from the recorded timestamps, order from the recorded
starts. The bounds below only stop a check that would otherwise wait forever.

- 17: ``submit`` of a held job returns (with an id whose status is not final) while the
  job cannot finish; every submitted job reaches SUCCESS, run by a process other than
  the submitter's.
- 18: a job failing retryably f times is retried min(f, max_retries) times; the delay of
  retry n (``next_attempt_at - at`` of its RETRY) lies in the documented bounds (base·2ⁿ,
  capped, jitter) and the next attempt starts no earlier than it was due; after
  exhaustion the status is FAILURE with the error recorded.
- 19: several jobs with Hypothesis-chosen outcome scripts (succeed, fail then succeed,
  always fail) run at once; every poll finds each status, polls only move forward, the
  history is exactly PENDING → STARTED → (RETRY → STARTED)* → SUCCESS | FAILURE, a
  success stores its result, and an unknown id has no status.
- 20: behind a held job, a backlog of Hypothesis-chosen priorities; every job starts before
  every lower-priority job that was waiting when it was submitted.

A real worker makes each example cost about a second, so the examples follow the active
Hypothesis profile from 100 examples up (``full``) and a third of it below
(``ci``), and failures are reported as found (no shrinking).
"""

from __future__ import annotations

import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from gauntlet.components.protocols import TaskEvent, TaskQueue, TaskScript, TaskSnapshot
from properties.examples import scaled_examples

#: The spec's example count (spec/properties.md): a profile at or above it is used as is.

#: Fewest examples of a worker-backed check.
MIN_EXAMPLES = 2
#: Bound on ``submit`` returning while its job is held (a submit that runs the job blocks).
SUBMIT_BOUND_S = 30.0
#: Bound on a job reaching a final status (a real worker on a shared 2-core machine).
FINAL_BOUND_S = 60.0
#: Seconds between two status polls.
POLL_S = 0.02
#: Timestamps are stored to the microsecond: slack when comparing a delay with its bound.
TIMESTAMP_SLACK_S = 1e-3
FINAL = frozenset({"SUCCESS", "FAILURE"})
PRIORITIES = ("high", "normal", "low")
#: Higher number: served first.
PRIORITY_RANK = {"high": 2, "normal": 1, "low": 0}
#: The statuses of one task's whole life, one letter each (P S R F X), as a regular language.
LIFE = re.compile(r"PS(RS)*[FX]")
LETTERS = {"PENDING": "P", "STARTED": "S", "RETRY": "R", "SUCCESS": "X", "FAILURE": "F"}


def worker_examples(requested: int | None = None) -> int:
    """Examples for a worker-backed check: ``requested``, else from the active profile."""
    if requested is not None:
        return requested
    return scaled_examples(3, floor=MIN_EXAMPLES)


def worker_settings(examples: int | None) -> settings:
    return settings(
        max_examples=worker_examples(examples),
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        report_multiple_bugs=False,
        database=None,
    )


def labels() -> str:
    return secrets.token_hex(4)


def wait_for(what: str, ready: Callable[[], bool], bound_s: float) -> None:
    deadline = time.monotonic() + bound_s
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {bound_s:.0f}s waiting for {what}")
        time.sleep(POLL_S)


def wait_final(queue: TaskQueue, task_id: str, bound_s: float = FINAL_BOUND_S) -> TaskSnapshot:
    """The task once both its status and its history are final."""

    def final() -> bool:
        snapshot = queue.status(task_id)
        history = queue.history(task_id)
        return snapshot is not None and snapshot.status in FINAL and bool(history) and history[-1].status in FINAL

    wait_for(f"task {task_id} to finish (status {queue.status(task_id)})", final, bound_s)
    snapshot = queue.status(task_id)
    assert snapshot is not None
    return snapshot


def drain(queue: TaskQueue, bound_s: float = FINAL_BOUND_S) -> None:
    """Wait until the worker has consumed every message queued so far at normal or high
    priority: one job at a time in priority order, so a later low-priority job finishing
    means none of them is still waiting (e.g. a second delivery of a finished task)."""
    wait_final(queue, queue.submit(TaskScript(label="drain"), priority="low"), bound_s)


def starts(history: Sequence[TaskEvent]) -> list[datetime]:
    return [event.at for event in history if event.status == "STARTED"]


def life(history: Sequence[TaskEvent]) -> str:
    return "".join(LETTERS.get(event.status, "?") for event in history)


def statuses(history: Sequence[TaskEvent]) -> list[str]:
    return [event.status for event in history]


# ---------------------------------------------------------------- 17


def check_async_queuing(
    queue: TaskQueue,
    *,
    examples: int | None = None,
    submit_bound_s: float = SUBMIT_BOUND_S,
    final_bound_s: float = FINAL_BOUND_S,
) -> None:
    submitter = os.getpid()
    others = st.lists(
        st.tuples(st.integers(0, min(1, queue.max_retries)), st.sampled_from(PRIORITIES)), min_size=0, max_size=3
    )

    @worker_settings(examples)
    @given(held_priority=st.sampled_from(PRIORITIES), others=others)
    def run(held_priority: str, others: list[tuple[int, str]]) -> None:
        hold = labels()
        held = TaskScript(label=labels(), hold=hold)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(queue.submit, held, priority=held_priority)
            try:
                held_id = pending.result(timeout=submit_bound_s)
            except FutureTimeout:
                queue.release(hold)  # let the blocked submit end before failing
                raise AssertionError(
                    f"submit did not return within {submit_bound_s:.0f}s while its job waited for a release: "
                    "the job runs in the submitter, not in a worker"
                ) from None
        snapshot = queue.status(held_id)
        assert snapshot is not None, f"submit returned {held_id!r}, which has no status"
        assert snapshot.status not in FINAL, (
            f"the held job {held_id} was already {snapshot.status} when submit returned: submission waited for the job"
        )
        scripts = {held_id: held}
        for failures, priority in others:
            script = TaskScript(label=labels(), transient_failures=failures)
            scripts[queue.submit(script, priority=priority)] = script
        queue.release(hold)
        for task_id, script in scripts.items():
            final = wait_final(queue, task_id, final_bound_s)
            assert final.status == "SUCCESS", f"accepted job {task_id} ({script}) ended {final.status}: {final.error}"
            result = final.result
            assert isinstance(result, dict) and result.get("label") == script.label, (
                f"job {task_id} stored {result!r}, not its own result (label {script.label!r})"
            )
            assert result.get("pid") != submitter, f"job {task_id} ran in the submitting process (pid {submitter})"

    run()


# ---------------------------------------------------------------- 18


def delay_bounds(queue: TaskQueue, retry: int) -> tuple[float, float]:
    """[low, high] seconds for the delay before retry ``retry`` (0-based), from the protocol."""
    ceiling = min(queue.backoff_cap_s, queue.backoff_base_s * 2.0 ** min(retry, 64))
    if queue.jitter == "none":
        return ceiling, ceiling
    if queue.jitter == "full":
        return 0.0, ceiling
    raise ValueError(f"TaskQueue.jitter must be 'none' or 'full', got {queue.jitter!r}")


def check_retry_backoff(queue: TaskQueue, *, examples: int | None = None) -> None:
    limit = queue.max_retries
    failures = st.lists(st.integers(0, limit + 2), min_size=1, max_size=3)

    @worker_settings(examples)
    @given(failures=failures)
    def run(failures: list[int]) -> None:
        submitted = {queue.submit(TaskScript(label=labels(), transient_failures=f)): f for f in failures}
        for task_id, f in submitted.items():
            final = wait_final(queue, task_id)
            history = queue.history(task_id)
            expected = min(f, limit)
            retries = [event for event in history if event.status == "RETRY"]
            assert len(retries) == expected and final.retries == expected, (
                f"a job failing {f} times with max_retries={limit} was retried {len(retries)} times "
                f"(status says {final.retries}), expected {expected}: {statuses(history)}"
            )
            for n, event in enumerate(retries):
                assert event.next_attempt_at is not None, f"retry {n} of {task_id} records no due time"
                delay = (event.next_attempt_at - event.at).total_seconds()
                low, high = delay_bounds(queue, n)
                assert low - TIMESTAMP_SLACK_S <= delay <= high + TIMESTAMP_SLACK_S, (
                    f"retry {n} of {task_id} waits {delay:.4f}s, outside [{low:.4f}, {high:.4f}] "
                    f"(base {queue.backoff_base_s}s·2^{n}, cap {queue.backoff_cap_s}s, jitter {queue.jitter})"
                )
            for event, started in zip(retries, starts(history)[1:], strict=False):
                assert event.next_attempt_at is not None and started >= event.next_attempt_at, (
                    f"{task_id} started again at {started}, before its retry was due ({event.next_attempt_at})"
                )
            if f > limit:
                assert final.status == "FAILURE", f"retries exhausted but {task_id} is {final.status}"
                assert final.error, f"{task_id} failed with no error recorded"
            else:
                assert final.status == "SUCCESS", f"{task_id} failed {f} <= {limit} times yet ended {final.status}"

    run()


# ---------------------------------------------------------------- 19

#: May a poll see ``after`` once an earlier poll saw ``before``? (Polls can miss changes.)
_POLL_ORDER = {"PENDING": 0, "STARTED": 1, "RETRY": 1, "SUCCESS": 2, "FAILURE": 2}


def may_observe(before: str, after: str) -> bool:
    if before in FINAL:
        return after == before
    return _POLL_ORDER.get(after, -1) >= _POLL_ORDER.get(before, 99)


def outcome_scripts(max_retries: int) -> st.SearchStrategy[int]:
    """Transient failures of one job: succeed, fail then succeed, or always fail."""
    return st.one_of(st.just(0), st.integers(1, max(1, max_retries)), st.just(max_retries + 1))


def check_status_tracking(queue: TaskQueue, *, examples: int | None = None) -> None:
    scripts = st.lists(
        st.tuples(outcome_scripts(queue.max_retries), st.sampled_from(("high", "normal"))), min_size=1, max_size=4
    )

    @worker_settings(examples)
    @given(scripts=scripts)
    def run(scripts: list[tuple[int, str]]) -> None:
        submitted: dict[str, TaskScript] = {}
        for failures, priority in scripts:
            script = TaskScript(label=labels(), transient_failures=failures)
            submitted[queue.submit(script, priority=priority)] = script
        seen: dict[str, list[str]] = {task_id: [] for task_id in submitted}

        def all_final() -> bool:
            for task_id, observed in seen.items():
                snapshot = queue.status(task_id)
                assert snapshot is not None, f"{task_id} has no status after {observed}"
                if observed and not may_observe(observed[-1], snapshot.status):
                    raise AssertionError(f"{task_id} went from {observed[-1]} to {snapshot.status}: {observed}")
                if not observed or observed[-1] != snapshot.status:
                    observed.append(snapshot.status)
            return all(observed[-1] in FINAL for observed in seen.values())

        wait_for("every job to finish", all_final, FINAL_BOUND_S)
        drain(queue)
        for task_id, script in submitted.items():
            final = wait_final(queue, task_id)
            history = queue.history(task_id)
            assert LIFE.fullmatch(life(history)), (
                f"{task_id} ({script}) went {' → '.join(statuses(history))}, "
                "not PENDING → STARTED → (RETRY → STARTED)* → SUCCESS | FAILURE"
            )
            times = [event.at for event in history]
            assert times == sorted(times), f"{task_id}'s status changes are not in time order: {history}"
            if final.status == "SUCCESS":
                assert isinstance(final.result, dict) and final.result.get("label") == script.label, (
                    f"{task_id} succeeded but stores {final.result!r}"
                )
        unknown = str(uuid.uuid4())
        assert queue.status(unknown) is None, f"unknown id {unknown} has a status: {queue.status(unknown)}"

    run()


# ---------------------------------------------------------------- 20


def check_prioritization(
    queue: TaskQueue, *, examples: int | None = None, final_bound_s: float = FINAL_BOUND_S
) -> None:
    backlog = st.lists(st.sampled_from(PRIORITIES), min_size=2, max_size=8)

    @worker_settings(examples)
    @given(backlog=backlog)
    def run(backlog: list[str]) -> None:
        hold = labels()
        blocker = queue.submit(TaskScript(label="blocker", hold=hold), priority="normal")
        try:
            wait_for(
                "the held job to start (the worker is then busy: a backlog forms)",
                lambda: getattr(queue.status(blocker), "status", None) == "STARTED",
                final_bound_s,
            )
            waiting = [(queue.submit(TaskScript(label=labels()), priority=p), p) for p in backlog]
        finally:
            queue.release(hold)
        started: dict[str, Any] = {}
        for task_id, _ in waiting:
            wait_final(queue, task_id, final_bound_s)
            started[task_id] = starts(queue.history(task_id))[0]
        for position, (late, late_priority) in enumerate(waiting):
            for early, early_priority in waiting[:position]:
                if PRIORITY_RANK[late_priority] > PRIORITY_RANK[early_priority]:
                    assert started[late] < started[early], (
                        f"{late_priority} job {late} started at {started[late]}, after {early_priority} job {early} "
                        f"that was waiting when it arrived (started {started[early]}); backlog {backlog}"
                    )

    run()
