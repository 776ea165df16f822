"""Fixtures for background-job tests: settings with a queue of their own, the sync task
store, and a recorder of status messages. Workers are real: in-process
(``celery.contrib.testing.worker.start_worker``) or a ``python -m reference_app worker``
subprocess (``worker_process``)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from reference_app.settings import Settings, build_settings
from reference_app.tasks.store import TaskStore, create_sync_engine

from ..conftest import TEST_SECRET
from .support import StatusMessages

#: Bound on a worker subprocess becoming ready (imports, broker connection, prefork).
WORKER_READY_BOUND_S = 60


@pytest.fixture
def task_settings(settings_overrides: dict[str, object], migrated: str, tmp_path: Path) -> Callable[..., Settings]:
    """``task_settings(max_retries=2, ...)``: the session's settings with a queue of their own."""

    def build(**tasks: Any) -> Settings:
        values = {"queue": f"q-{secrets.token_hex(4)}", "export_dir": str(tmp_path / "exports"), **tasks}
        return build_settings({**settings_overrides, "tasks": values})

    return build


@pytest.fixture(scope="session")
def task_store(migrated: str) -> Iterator[TaskStore]:
    store = TaskStore(create_sync_engine(build_settings({"database_url": migrated}).database_url))
    yield store
    store.dispose()


@pytest.fixture
def status_messages(redis_url: str, redis_key_prefix: str) -> Iterator[StatusMessages]:
    recorder = StatusMessages(redis_url, redis_key_prefix)
    yield recorder
    recorder.close()


@dataclass(frozen=True)
class WorkerProcess:
    hostname: str
    export_dir: Path
    process: ManagedProcess

    def log_lines(self) -> list[str]:
        return self.process.log_path.read_text(encoding="utf-8", errors="replace").splitlines()


@pytest.fixture(scope="module")
def worker_process(
    settings_overrides: dict[str, Any], migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """``python -m reference_app worker`` on the session app's queue, configured by APP_* only."""
    workdir = tmp_path_factory.mktemp("worker")
    hostname = f"test-{secrets.token_hex(3)}@gauntlet"
    env = {
        **os.environ,
        "APP_ENVIRONMENT": "dev",
        "APP_DATABASE_URL": str(settings_overrides["database_url"]),
        "APP_REDIS_URL": str(settings_overrides["redis_url"]),
        "APP_REDIS_KEY_PREFIX": str(settings_overrides["redis_key_prefix"]),
        "APP_SECRET_KEY": TEST_SECRET,
        "APP_TASKS__EXPORT_DIR": str(workdir / "exports"),
    }
    ready = workdir / "worker.ready"
    command = [sys.executable, "-m", "reference_app", "worker", "--concurrency", "1"]
    command += ["--hostname", hostname, "--ready-file", str(ready)]
    with ProcessGroup() as processes:
        process = processes.start(ManagedProcess("worker", command, workdir, env=env))
        wait_until(ready.exists, WORKER_READY_BOUND_S, "the worker to be ready", process=process, interval=0.1)
        yield WorkerProcess(hostname, workdir / "exports", process)
