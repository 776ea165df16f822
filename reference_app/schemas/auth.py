"""Schemas of sign-up, token issue/refresh and API keys."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reference_app.db.models import Tier
from reference_app.schemas.text import Credential, Password, Username


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "ada", "password": "correct horse battery"}]},
    )

    username: Username
    password: Password


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    created_at: datetime


class PasswordGrant(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"username": "ada", "password": "correct horse battery"}]},
    )

    username: Credential
    password: Credential


class ApiKeyGrant(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"api_key": "rak_3q2+7w..."}]})

    api_key: Credential


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOi..."}]},
    )

    refresh_token: Credential


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - RFC 6750 scheme name
    expires_in: int = Field(description="Seconds until the access token expires")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"tier": "free"}]})

    tier: Tier = Tier.FREE


class ApiKeyIssued(BaseModel):
    """A new key: ``api_key`` is shown this once and stored only as a hash."""

    id: uuid.UUID
    tier: Tier
    api_key: str
    prefix: str
    created_at: datetime
