"""The model server's draft of an incident summary, as the API returns it."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class DraftPublic(BaseModel):
    incident_id: uuid.UUID
    summary: str = Field(examples=["Checkout returns 502 for EU users: Since 09:40 UTC about 3% of requests fail."])
    model: str = Field(examples=["extractive-v1"], description="Which model wrote the draft")
