"""17 and 19 over HTTP: background jobs as any client sees them.

The submitting operations are ``[properties] task_submit_operations``, else every
operation the OpenAPI document answers with 202. Their JSON bodies come from the
document (examples, enums drawn by Hypothesis). A 202 names the task by a body field
(``task_id`` or ``id``) and its status URL by ``Location`` or the body's ``status_url``;
the status document has a ``status`` field.

- 17: the submission answers 202 with a task id and a status URL; the status URL answers
  200 about that task; the task eventually reaches SUCCESS or FAILURE (it was executed).
- 19: the status URL of a task with another id (a fresh UUID) answers 404; polled
  statuses move only forward (PENDING → STARTED ⇄ RETRY → SUCCESS | FAILURE, nothing
  after a final status); a SUCCESS carries its ``result``.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from properties.examples import scaled_examples
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: Bound on a task reaching a final status (the target's worker on a shared machine).
FINAL_BOUND_S = 60.0
#: Seconds between two status polls.
POLL_S = 0.05
#: Reads of a final status after the first: it must not change.
FINAL_REREADS = 2
#: Examples below the spec's 100: each one waits for a real worker.
CI_EXAMPLES_DIVISOR = 3
FINAL = frozenset({"SUCCESS", "FAILURE"})
_ORDER = {"PENDING": 0, "STARTED": 1, "RETRY": 1, "SUCCESS": 2, "FAILURE": 2}


class NoTaskOperationError(LookupError):
    """The target documents no operation answering 202."""


def submit_operations(http: HttpTarget) -> list[Operation]:
    configured = http.settings.task_submit_operations
    if configured:
        return [http.api.operation(label) for label in configured]
    found = [op for op in http.api.operations() if "202" in op.spec.get("responses", {})]
    if not found:
        raise NoTaskOperationError(
            "the OpenAPI document has no operation answering 202; name one in [properties] "
            'task_submit_operations, e.g. ["POST /api/v1/exports"]'
        )
    return found


def examples() -> int:
    return scaled_examples(CI_EXAMPLES_DIVISOR)


def worker_settings() -> settings:
    return settings(
        max_examples=examples(),
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        report_multiple_bugs=False,
        database=None,
    )


def bodies(http: HttpTarget, operation: Operation) -> st.SearchStrategy[dict[str, Any]]:
    """The operation's example body with each enum-valued property drawn from its enum."""
    base = http.api.example_body(operation)
    schema = http.api.request_body_schema(operation) or {}
    choices: dict[str, st.SearchStrategy[Any]] = {}
    for name, node in schema.get("properties", {}).items():
        resolved = http.api.resolve(node)
        options = [resolved, *(http.api.resolve(s) for s in resolved.get("anyOf", resolved.get("oneOf", ())))]
        for option in options:
            if isinstance(option, Mapping) and option.get("enum"):
                choices[name] = st.sampled_from(list(option["enum"]))
                break
    return st.fixed_dictionaries(choices).map(lambda drawn: {**base, **drawn})


def task_reference(reply: httpx.Response) -> tuple[str, str]:
    """(task id, status URL) of a 202 answer."""
    body = reply.json() if "json" in reply.headers.get("content-type", "") else {}
    task_id = body.get("task_id", body.get("id")) if isinstance(body, Mapping) else None
    status_url = reply.headers.get("location") or (body.get("status_url") if isinstance(body, Mapping) else None)
    assert isinstance(task_id, str) and task_id, f"the 202 answer names no task id (task_id/id): {reply.text[:300]}"
    assert isinstance(status_url, str) and status_url, f"the 202 answer has no Location or status_url: {reply.text}"
    return task_id, status_url


def submit(http: HttpTarget, operation: Operation, body: Mapping[str, Any]) -> tuple[str, str]:
    reply = http.call(operation.method, operation.path, json=dict(body))
    assert reply.status_code == 202, (
        f"{operation.label} answered {reply.status_code}, not 202 Accepted: the job must be queued, "
        f"not run in the request ({reply.text[:300]})"
    )
    return task_reference(reply)


def read_status(http: HttpTarget, task_id: str, status_url: str) -> Mapping[str, Any]:
    reply = http.call("GET", status_url)
    assert reply.status_code == 200, f"status URL {status_url} of task {task_id} answered {reply.status_code}"
    document = reply.json()
    assert isinstance(document, Mapping) and isinstance(document.get("status"), str), (
        f"{status_url} has no status field: {reply.text[:300]}"
    )
    if "id" in document:
        assert str(document["id"]) == task_id, f"{status_url} describes task {document['id']}, not {task_id}"
    return document


def follow(http: HttpTarget, task_id: str, status_url: str, bound_s: float) -> list[Mapping[str, Any]]:
    """Every status document read until a final status (and re-read after it)."""
    seen = [read_status(http, task_id, status_url)]
    deadline = time.monotonic() + bound_s
    while seen[-1]["status"] not in FINAL:
        if time.monotonic() > deadline:
            raise AssertionError(
                f"task {task_id} was accepted but not executed within {bound_s:.0f}s (still {seen[-1]['status']})"
            )
        time.sleep(POLL_S)
        seen.append(read_status(http, task_id, status_url))
    seen += [read_status(http, task_id, status_url) for _ in range(FINAL_REREADS)]
    return seen


def check_async_submission(http: HttpTarget, *, final_bound_s: float = FINAL_BOUND_S) -> None:
    operations = submit_operations(http)

    @worker_settings()
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations), label="operation")
        body = data.draw(bodies(http, operation), label="body")
        task_id, status_url = submit(http, operation, body)
        final = follow(http, task_id, status_url, final_bound_s)[-1]
        assert final["status"] in FINAL

    run()


def unknown_status_url(task_id: str, status_url: str) -> str:
    assert task_id in status_url, f"status URL {status_url} does not contain the task id {task_id}"
    return status_url.replace(task_id, str(uuid.uuid4()))


def check_status_tracking(http: HttpTarget, *, final_bound_s: float = FINAL_BOUND_S) -> None:
    operations = submit_operations(http)

    @worker_settings()
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations), label="operation")
        count = data.draw(st.integers(1, 2), label="tasks")
        tasks = [submit(http, operation, data.draw(bodies(http, operation), label="body")) for _ in range(count)]
        task_id, status_url = tasks[0]
        unknown = unknown_status_url(task_id, status_url)
        reply = http.call("GET", unknown)
        assert reply.status_code == 404, f"GET {unknown} (unknown task) answered {reply.status_code}, not 404"
        for task_id, status_url in tasks:
            seen = [document["status"] for document in follow(http, task_id, status_url, final_bound_s)]
            for before, after in itertools.pairwise(seen):
                forward = after == before if before in FINAL else _ORDER.get(after, -1) >= _ORDER.get(before, 99)
                assert forward, f"task {task_id}'s status went from {before} to {after}: {seen}"
            final = read_status(http, task_id, status_url)
            if final["status"] == "SUCCESS":
                assert final.get("result") is not None, f"task {task_id} succeeded but stores no result: {final}"

    run()
