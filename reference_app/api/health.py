"""Health probes (``application/health+json``), outside ``/api/v1`` and exempt from auth.

- live: the process answers; no I/O, so a slow database never gets the pod killed.
- ready: DB ``SELECT 1`` and Redis ``PING`` in parallel, 1 s each. DB down → 503 ``fail``;
  Redis down → 200 ``warn`` (the app degrades: cache and limiter fail open).
- startup: 200 once the database is at the migration head.
Outputs are fixed words: never exception text or DSNs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from reference_app.migrations.runner import current_revision, head_revision
from reference_app.responses import HEALTH_MEDIA_TYPE, HealthResponse
from reference_app.schemas.health import CheckResult, Health, HealthStatus
from reference_app.state import Resources, app_lifecycle, app_resources, app_settings

#: Seconds each dependency check may take before it counts as down.
CHECK_TIMEOUT_SECONDS = 1.0

router = APIRouter(prefix="/health", tags=["health"])

_DOC: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Not ready: starting, draining, or a required dependency is down.",
        "content": {HEALTH_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Health"}}},
    }
}


@router.get("/live", operation_id="healthLive", response_class=HealthResponse, response_model=Health)
async def live(request: Request) -> HealthResponse:
    return _respond(Health(status="pass", serviceId=_service(request)))


@router.get(
    "/ready",
    operation_id="healthReady",
    response_class=HealthResponse,
    response_model=Health,
    responses=_DOC,
)
async def ready(request: Request) -> HealthResponse:
    resources = app_resources(request.app.state)
    if resources is None or not app_lifecycle(request.app.state).accepting:
        body = Health(status="fail", serviceId=_service(request), description="not accepting traffic")
        return _respond(body, 503)
    database, redis = await asyncio.gather(
        _check("datastore", lambda: _select_one(resources)),
        _check("datastore", lambda: _ping(resources)),
    )
    overall: HealthStatus = "pass"
    if redis.status == "fail":
        overall = "warn"
    if database.status == "fail":
        overall = "fail"
    body = Health(
        status=overall,
        serviceId=_service(request),
        checks={"database:connection": [database], "redis:connection": [redis]},
    )
    return _respond(body, 503 if overall == "fail" else 200)


@router.get(
    "/startup",
    operation_id="healthStartup",
    response_class=HealthResponse,
    response_model=Health,
    responses=_DOC,
)
async def startup(request: Request) -> HealthResponse:
    resources = app_resources(request.app.state)
    result = CheckResult(componentType="datastore", status="fail", output="not started")
    if resources is not None:
        result = await _check("datastore", lambda: _at_head(resources))
    body = Health(
        status=result.status,
        serviceId=_service(request),
        checks={"database:migrations": [result]},
    )
    return _respond(body, 200 if result.status == "pass" else 503)


async def _check(component: str, probe: Callable[[], Awaitable[str | None]]) -> CheckResult:
    started = time.perf_counter()
    try:
        problem = await asyncio.wait_for(probe(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        problem = "timeout"
    except Exception:  # any failure means "down"; its text may hold a DSN, so it is dropped
        problem = "unreachable"
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return CheckResult(
        componentType=component,
        status="fail" if problem else "pass",
        observedValue=elapsed_ms,
        observedUnit="ms",
        output=problem,
    )


async def _select_one(resources: Resources) -> str | None:
    async with resources.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return None


async def _ping(resources: Resources) -> str | None:
    await resources.redis.ping()
    return None


async def _at_head(resources: Resources) -> str | None:
    async with resources.engine.connect() as connection:
        revision = await current_revision(connection)
    return None if revision == head_revision() else "migrations pending"


def _service(request: Request) -> str:
    return app_settings(request.app.state).service_name


def _respond(body: Health, status_code: int = 200) -> HealthResponse:
    return HealthResponse(body.model_dump(mode="json", exclude_none=True), status_code)
