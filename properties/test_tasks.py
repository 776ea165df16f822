"""Properties 17, 19 (component + http), 18, 20 (component): background jobs.

Component level: the configured ``TaskQueue`` on this session's PostgreSQL and Redis with
one real worker process (module scope: starting a worker costs seconds). http level: the
target's submitting operations (202) and status URLs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component import tasks as component_tasks
from properties.component.fixtures import component
from properties.http import tasks as http_tasks
from properties.http.target import HttpTarget

#: Backoff of the queue under test: short real delays, and the cap reached at retry 2.
BACKOFF_BASE_S = 0.02
BACKOFF_CAP_S = 0.05
MAX_RETRIES = 3


@pytest.fixture(scope="module")
def task_queue(
    gauntlet_config: GauntletConfig, database_url: str, redis_url: str, redis_key_prefix: str
) -> Iterator[Any]:
    queue = component(
        gauntlet_config,
        "task_queue",
        database_url=database_url,
        redis_url=redis_url,
        key_prefix=f"{redis_key_prefix}props-tasks:{secrets.token_hex(4)}:",
        max_retries=MAX_RETRIES,
        backoff_base_s=BACKOFF_BASE_S,
        backoff_cap_s=BACKOFF_CAP_S,
    )
    try:
        with queue.worker():
            yield queue
    finally:
        queue.close()


@pytest.mark.property(17, level="component")
def test_submission_returns_before_the_job_and_a_worker_runs_every_job(task_queue: Any) -> None:
    component_tasks.check_async_queuing(task_queue)


@pytest.mark.property(18, level="component")
def test_retryable_failures_are_retried_with_bounded_exponential_backoff(task_queue: Any) -> None:
    component_tasks.check_retry_backoff(task_queue)


@pytest.mark.property(19, level="component")
def test_task_statuses_only_move_forward_and_results_are_stored(task_queue: Any) -> None:
    component_tasks.check_status_tracking(task_queue)


@pytest.mark.property(20, level="component")
def test_higher_priority_jobs_overtake_the_waiting_backlog(task_queue: Any) -> None:
    component_tasks.check_prioritization(task_queue)


@pytest.mark.property(17, level="http")
def test_submissions_are_accepted_and_eventually_executed(http: HttpTarget) -> None:
    http_tasks.check_async_submission(http)


@pytest.mark.property(19, level="http")
def test_task_status_urls_move_forward_and_unknown_ids_are_404(http: HttpTarget) -> None:
    http_tasks.check_status_tracking(http)
