"""Incident schemas: ``IncidentCreate``, ``IncidentUpdate``, ``IncidentPublic`` and the page."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator
from pydantic.json_schema import SkipJsonSchema

from reference_app.db.models import IncidentStatus, Severity
from reference_app.schemas.text import Description, Title

#: Fields a client may ask for with ``fields=``; ``id`` is always included.
INCIDENT_FIELDS = (
    "id",
    "owner_id",
    "title",
    "description",
    "status",
    "severity",
    "created_at",
    "updated_at",
)

_EXAMPLE: dict[str, JsonValue] = {
    "title": "Checkout returns 502 for EU users",
    "description": "Since 09:40 UTC about 3% of checkout requests fail.",
    "severity": "high",
}


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    title: Title
    description: Description = ""
    status: IncidentStatus = IncidentStatus.OPEN
    severity: Severity = Severity.MEDIUM


class IncidentUpdate(BaseModel):
    """A partial update: omitted fields stay as they are; ``null`` is not a value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "resolved"}, {"title": "Renamed"}]},
    )

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    status: IncidentStatus | SkipJsonSchema[None] = None
    severity: Severity | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _no_nulls(self) -> IncidentUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} may be omitted but not null")
        return self

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class IncidentPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    **_EXAMPLE,
                    "id": "0b6f3f5e-8a1c-4b8e-9a57-1d0e6c1f2a3b",
                    "owner_id": "7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    "status": "open",
                    "created_at": "2025-01-01T09:41:00Z",
                    "updated_at": "2025-01-01T09:41:00Z",
                }
            ]
        },
    )

    id: uuid.UUID
    owner_id: uuid.UUID
    title: str
    description: str
    status: IncidentStatus
    severity: Severity
    created_at: datetime
    updated_at: datetime


class IncidentFields(BaseModel):
    """An incident in a listing: every field unless ``fields=`` selected some (``id`` always)."""

    id: uuid.UUID
    owner_id: uuid.UUID | SkipJsonSchema[None] = None
    title: str | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None
    status: IncidentStatus | SkipJsonSchema[None] = None
    severity: Severity | SkipJsonSchema[None] = None
    created_at: datetime | SkipJsonSchema[None] = None
    updated_at: datetime | SkipJsonSchema[None] = None


class PageLinks(BaseModel):
    self: str = Field(examples=["/api/v1/incidents?limit=20"])
    next: str | None = Field(examples=["/api/v1/incidents?limit=20&cursor=eyJ2Ijox..."])


class IncidentPage(BaseModel):
    """One page of a keyset listing; ``next_cursor`` is null exactly when ``has_more`` is false."""

    items: list[IncidentFields]
    limit: int
    next_cursor: str | None
    has_more: bool
    links: PageLinks


class StatusCounts(BaseModel):
    day: str = Field(examples=["2025-01-01"], description="UTC calendar day, ISO 8601")
    counts: dict[IncidentStatus, int] = Field(examples=[{"open": 3, "resolved": 1}])
    total: int


class AnalyticsSummary(BaseModel):
    days: list[StatusCounts]
    totals: dict[IncidentStatus, int]
    total: int
