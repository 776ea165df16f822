"""``application/health+json`` bodies (draft-inadvisable-health-check-api)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

HealthStatus = Literal["pass", "warn", "fail"]


class CheckResult(BaseModel):
    componentType: str
    status: HealthStatus
    observedValue: float | None = None
    observedUnit: str | None = None
    output: str | None = None


class Health(BaseModel):
    status: HealthStatus
    serviceId: str
    description: str | None = None
    checks: dict[str, list[CheckResult]] = {}
