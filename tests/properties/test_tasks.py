"""17, 18, 19, 20 fail against broken task queues (the reference one with one part changed):
queue variants here, worker variants in ``tests.properties.task_workers``, ASGI wrappers
for the http level."""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Scope

from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from properties.component import tasks as component_tasks
from properties.http import tasks as http_tasks
from properties.http.target import HttpTarget
from reference_app.db.models import TaskPriority
from reference_app.tasks.celery_app import register
from reference_app.tasks.component import ReferenceTaskQueue, Snapshot, build
from reference_app.tasks.probe import PROBE_TASK, ProbeTask

from .asgi import Answer, RewriteResponse

pytestmark = pytest.mark.slow

#: Failure proofs wait this long for what a broken queue never does.
SHORT_BOUND_S = 2.0
#: Examples of a proof whose failure needs a particular draw (e.g. f > max_retries).
PROOF_EXAMPLES = 8
REPO_ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_BOUND_S = 60
#: Checks report one failure (report_multiple_bugs=False): an AssertionError.
FAILS = AssertionError

# ---------------------------------------------------------------- queue variants


class InlineTaskQueue(ReferenceTaskQueue):
    """Runs the job inside ``submit`` (Celery's eager ``apply``): no worker involved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        register(self.celery, ProbeTask)

    def publish(self, task_id: Any, kwargs: Any, priority: TaskPriority) -> None:
        self.celery.tasks[PROBE_TASK].apply(kwargs=dict(kwargs), task_id=str(task_id))


class LosingTaskQueue(ReferenceTaskQueue):
    """Accepts every job but routes low-priority ones to a queue no worker consumes."""

    def publish(self, task_id: Any, kwargs: Any, priority: TaskPriority) -> None:
        if priority is not TaskPriority.LOW:
            super().publish(task_id, kwargs, priority)
            return
        self.celery.send_task(PROBE_TASK, kwargs=dict(kwargs), task_id=str(task_id), queue="nobody-consumes-this")


class FifoTaskQueue(ReferenceTaskQueue):
    """Queues every job at normal priority: first in, first out."""

    def publish(self, task_id: Any, kwargs: Any, priority: TaskPriority) -> None:
        super().publish(task_id, kwargs, TaskPriority.NORMAL)


class PendingForAnyIdQueue(ReferenceTaskQueue):
    """Reports PENDING for ids it never saw (as Celery's ``AsyncResult`` does)."""

    def status(self, task_id: str) -> Snapshot | None:
        return super().status(task_id) or Snapshot(task_id, "PENDING", 0)


class VariantWorkerQueue(ReferenceTaskQueue):
    """The reference queue whose worker is a broken variant (``task_workers.VARIANTS``)."""

    variant = ""

    def worker_command(self, ready_file: Path) -> list[str]:
        return [sys.executable, "-m", "tests.properties.task_workers", self.variant, "--ready-file", str(ready_file)]

    def worker_environment(self) -> dict[str, str]:
        path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        return {**super().worker_environment(), "PYTHONPATH": path}


def variant(name: str, base: type[ReferenceTaskQueue] = VariantWorkerQueue) -> type[ReferenceTaskQueue]:
    return type(f"{name.title().replace('-', '')}Queue", (base,), {"variant": name})


class RedeliveringQueue(VariantWorkerQueue):
    """Unguarded transitions, and every message delivered twice (at-least-once delivery)."""

    variant = "unguarded-transitions"

    def publish(self, task_id: Any, kwargs: Any, priority: TaskPriority) -> None:
        super().publish(task_id, kwargs, priority)
        super().publish(task_id, kwargs, priority)


@pytest.fixture
def broken_queue(
    database_url: str, redis_url: str, redis_key_prefix: str
) -> Callable[..., AbstractContextManager[ReferenceTaskQueue]]:
    """``with broken_queue(QueueClass, jitter=False) as queue:`` a variant with its worker running
    (``worker=False``: none, for a variant that runs jobs without one)."""

    @contextmanager
    def opened(
        queue_class: type[ReferenceTaskQueue], *, worker: bool = True, **keywords: Any
    ) -> Iterator[ReferenceTaskQueue]:
        # Few, short retries with the cap reached at retry 1: a failing draw comes early and cheap.
        options = {"max_retries": 2, "backoff_base_s": 0.02, "backoff_cap_s": 0.03, **keywords}
        queue = build(
            database_url=database_url,
            redis_url=redis_url,
            key_prefix=f"{redis_key_prefix}mutant-tasks:{secrets.token_hex(4)}:",
            queue_class=queue_class,
            **options,
        )
        try:
            with queue.worker() if worker else nullcontext():
                yield queue
        finally:
            queue.close()

    return opened


@pytest.mark.mutant(17)
def test_17_fails_when_jobs_run_inside_submit(broken_queue) -> None:
    inline = r"submitter|submitting process|submission waited"
    with broken_queue(InlineTaskQueue, worker=False) as queue, pytest.raises(FAILS, match=inline):
        component_tasks.check_async_queuing(queue, submit_bound_s=SHORT_BOUND_S)


@pytest.mark.mutant(17)
def test_17_fails_when_accepted_jobs_are_never_run(broken_queue) -> None:
    with broken_queue(LosingTaskQueue) as queue, pytest.raises(FAILS, match="to finish"):
        component_tasks.check_async_queuing(queue, examples=PROOF_EXAMPLES, final_bound_s=SHORT_BOUND_S)


@pytest.mark.mutant(18)
def test_18_fails_when_the_backoff_has_no_cap(broken_queue) -> None:
    with broken_queue(variant("uncapped-backoff"), jitter=False) as queue, pytest.raises(FAILS, match="outside"):
        component_tasks.check_retry_backoff(queue, examples=PROOF_EXAMPLES)


@pytest.mark.mutant(18)
def test_18_fails_when_delays_exceed_the_documented_bounds(broken_queue) -> None:
    with broken_queue(variant("late-backoff"), jitter=False) as queue, pytest.raises(FAILS, match="outside"):
        component_tasks.check_retry_backoff(queue, examples=PROOF_EXAMPLES)


@pytest.mark.mutant(18)
def test_18_fails_when_retried_beyond_max_retries(broken_queue) -> None:
    with broken_queue(variant("one-more-retry")) as queue, pytest.raises(FAILS, match="was retried"):
        component_tasks.check_retry_backoff(queue, examples=PROOF_EXAMPLES)


@pytest.mark.mutant(19)
def test_19_fails_when_a_finished_task_can_start_again(broken_queue) -> None:
    with broken_queue(RedeliveringQueue) as queue, pytest.raises(FAILS, match="not PENDING"):
        component_tasks.check_status_tracking(queue)


@pytest.mark.mutant(19)
def test_19_fails_when_results_are_not_stored(broken_queue) -> None:
    with broken_queue(variant("resultless")) as queue, pytest.raises(FAILS, match="stores"):
        component_tasks.check_status_tracking(queue)


@pytest.mark.mutant(19)
def test_19_fails_when_unknown_ids_have_a_status(broken_queue) -> None:
    with broken_queue(PendingForAnyIdQueue) as queue, pytest.raises(FAILS, match="unknown id"):
        component_tasks.check_status_tracking(queue)


@pytest.mark.mutant(20)
def test_20_fails_when_priorities_are_ignored(broken_queue) -> None:
    with broken_queue(FifoTaskQueue) as queue, pytest.raises(FAILS, match="after"):
        component_tasks.check_prioritization(queue, examples=PROOF_EXAMPLES)


# ---------------------------------------------------------------- http level

TASK_PATH = re.compile(r"^/api/v1/tasks/[^/]+$")


def synchronous_exports(app: ASGIApp) -> ASGIApp:
    """The submitting operation answers 200 as a synchronous endpoint would."""

    def rewrite(scope: Scope, answer: Answer) -> None:
        if scope["method"] == "POST" and answer.status == 202:
            answer.status = 200

    return RewriteResponse(app, rewrite)


def dangling_status_urls(app: ASGIApp) -> ASGIApp:
    """The 202 points at a status URL nothing serves."""

    def rewrite(scope: Scope, answer: Answer) -> None:
        if answer.status == 202:
            body = json.loads(answer.body)
            body["status_url"] = body["status_url"].replace("/tasks/", "/jobs/")
            answer.body = json.dumps(body).encode()
            answer.set_header("location", body["status_url"])

    return RewriteResponse(app, rewrite, identity=True)


def pending_for_any_id(app: ASGIApp) -> ASGIApp:
    """An unknown task id is PENDING, not 404 (Celery's ``AsyncResult`` semantics)."""

    def rewrite(scope: Scope, answer: Answer) -> None:
        if scope["method"] == "GET" and TASK_PATH.match(scope["path"]) and answer.status == 404:
            answer.status = 200
            answer.body = json.dumps({"id": scope["path"].rsplit("/", 1)[1], "status": "PENDING"}).encode()
            answer.set_header("content-type", "application/json")

    return RewriteResponse(app, rewrite, identity=True)


def flapping_final_status(app: ASGIApp) -> ASGIApp:
    """Every other read of a finished task says STARTED again (a stale replica, say)."""
    reads = itertools.count()

    def rewrite(scope: Scope, answer: Answer) -> None:
        if scope["method"] == "GET" and TASK_PATH.match(scope["path"]) and answer.status == 200:
            body = json.loads(answer.body)
            if body.get("status") == "SUCCESS" and next(reads) % 2:
                body["status"] = "STARTED"
                answer.body = json.dumps(body).encode()

    return RewriteResponse(app, rewrite, identity=True)


@pytest.fixture(scope="module")
def app_worker(app_env: dict[str, str], migrated: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The reference app's own worker for the in-process app's queue (tasks must finish)."""
    workdir = tmp_path_factory.mktemp("app-worker")
    ready = workdir / "worker.ready"
    env = {**os.environ, **app_env, "APP_TASKS__EXPORT_DIR": str(workdir / "exports")}
    command = [sys.executable, "-m", "reference_app", "worker", "--pool", "solo", "--concurrency", "1"]
    command += ["--hostname", f"mutant-{secrets.token_hex(3)}@gauntlet", "--ready-file", str(ready)]
    with ProcessGroup() as processes:
        process = processes.start(ManagedProcess("worker", command, workdir, env=env))
        wait_until(ready.exists, WORKER_READY_BOUND_S, "the worker to be ready", process=process, interval=0.1)
        yield


@pytest.mark.mutant(17)
def test_17_http_fails_when_the_job_runs_in_the_request(open_target) -> None:
    http: HttpTarget
    with open_target(synchronous_exports) as http, pytest.raises(FAILS, match="not 202"):
        http_tasks.check_async_submission(http)


@pytest.mark.mutant(17)
def test_17_http_fails_when_the_status_url_does_not_answer(open_target) -> None:
    with open_target(dangling_status_urls) as http, pytest.raises(FAILS, match="answered 404"):
        http_tasks.check_async_submission(http)


@pytest.mark.mutant(19)
def test_19_http_fails_when_unknown_ids_are_pending(open_target) -> None:
    with open_target(pending_for_any_id) as http, pytest.raises(FAILS, match="unknown task"):
        http_tasks.check_status_tracking(http)


@pytest.mark.mutant(19)
def test_19_http_fails_when_a_finished_status_goes_back(open_target, app_worker) -> None:
    with open_target(flapping_final_status) as http, pytest.raises(FAILS, match="went from SUCCESS"):
        http_tasks.check_status_tracking(http)
