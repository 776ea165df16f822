"""The problem+json document as a schema, for the OpenAPI description of error responses."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ValidationIssue(BaseModel):
    """One rejected input: where it is and why; the value itself is never echoed."""

    loc: list[str | int] = Field(examples=[["body", "title"]])
    msg: str = Field(examples=["String should have at most 200 characters"])
    type: str = Field(examples=["string_too_long"])


class Problem(BaseModel):
    """RFC 9457 Problem Details as every 4xx/5xx of the app carries them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "https://gauntlet.dev/problems/not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "No incident with this id.",
                    "instance": "urn:request:3f2a9c1e5b7d4e0f8a6b1c2d3e4f5a6b",
                    "correlation_id": "3f2a9c1e5b7d4e0f8a6b1c2d3e4f5a6b",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str
    correlation_id: str | None
    errors: list[ValidationIssue] | None = None
