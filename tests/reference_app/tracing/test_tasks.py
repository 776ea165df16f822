"""A background task started by a traced request runs in the same trace: the real worker
PROCESS (``python -m reference_app worker``, ``APP_TRACING__EXPORTER=console``) prints its
task span as a JSON line, whose trace id and parent are the request's server span, with
the worker's SQL spans below it."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from tests.reference_app.conftest import TEST_SECRET, sign_up

from .conftest import only_server_span, trace_hex

pytestmark = pytest.mark.slow

#: Bound on the worker subprocess becoming ready (imports, broker connection, prefork).
WORKER_READY_BOUND_S = 60
#: Bound on the export finishing, and on its span reaching the worker's output.
TASK_BOUND_S = 30
EXPORT_SPAN = "process reference_app.export"


@pytest.fixture(scope="module")
def traced_worker_log(settings_overrides, migrated, traced_queue, tmp_path_factory) -> Iterator[Path]:
    """A worker on the traced app's queue, exporting spans to its stdout (its log file)."""
    workdir = tmp_path_factory.mktemp("traced-worker")
    env = {
        **os.environ,
        "APP_ENVIRONMENT": "dev",
        "APP_DATABASE_URL": str(settings_overrides["database_url"]),
        "APP_REDIS_URL": str(settings_overrides["redis_url"]),
        "APP_REDIS_KEY_PREFIX": str(settings_overrides["redis_key_prefix"]),
        "APP_SECRET_KEY": TEST_SECRET,
        "APP_TASKS__QUEUE": traced_queue,
        "APP_TASKS__EXPORT_DIR": str(workdir / "exports"),
        "APP_TRACING__EXPORTER": "console",
    }
    ready = workdir / "worker.ready"
    command = [sys.executable, "-m", "reference_app", "worker", "--concurrency", "1"]
    command += ["--hostname", f"traced-{secrets.token_hex(3)}@gauntlet", "--ready-file", str(ready)]
    with ProcessGroup() as processes:
        process = processes.start(ManagedProcess("traced-worker", command, workdir, env=env))
        wait_until(ready.exists, WORKER_READY_BOUND_S, "the traced worker to be ready", process=process, interval=0.1)
        yield process.log_path


def exported_spans(log_path: Path) -> list[dict[str, Any]]:
    """The span records among the worker's output lines (log records have no ``context``)."""
    spans = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if isinstance(record.get("context"), dict) and "span_id" in record["context"]:
                spans.append(record)
    return spans


async def test_a_task_started_by_a_traced_request_is_a_span_of_that_trace(traced_client, exported, traced_worker_log):
    user = await sign_up(traced_client)
    exported.clear()
    accepted = await traced_client.post("/api/v1/exports", json={"format": "csv"}, headers=user.headers)
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    server = only_server_span(exported.get_finished_spans(), "POST /api/v1/exports")

    deadline = time.monotonic() + TASK_BOUND_S
    mine: list[dict[str, Any]] = []
    while not mine:
        assert time.monotonic() < deadline, "the worker exported no span for the task"
        await asyncio.sleep(0.1)
        spans = exported_spans(traced_worker_log)
        mine = [s for s in spans if s["name"] == EXPORT_SPAN and s["attributes"]["messaging.message.id"] == task_id]
    (span,) = mine
    assert span["kind"] == "SpanKind.CONSUMER"
    assert span["context"]["trace_id"] == f"0x{trace_hex(server)}"
    assert span["parent_id"] == f"0x{format(server.context.span_id, '016x')}"
    # The worker's own SQL (the status table, the export query) is below the task span.
    below = [s for s in exported_spans(traced_worker_log) if s["parent_id"] == span["context"]["span_id"]]
    assert "postgresql" in {s["attributes"].get("db.system", s["attributes"].get("db.system.name")) for s in below}
