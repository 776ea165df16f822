"""ORM models: users, API keys, refresh tokens (with families), incidents, background tasks and the audit log.

Every list, filter and search path has an index (spec R1.2): see ``Incident.__table_args__``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Enum, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from reference_app.db.base import Base, UTCDateTime, utcnow

#: Text-search document of an incident, written as PostgreSQL reflects it (so autogenerate
#: compares equal); the GIN index and the ``q`` filter use this exact
#: expression, constants included, so PostgreSQL can match the index (no bound parameters).
SEARCH_DOCUMENT_SQL = "to_tsvector('english'::regconfig, (title::text || ' '::text) || description)"
#: Text-search configuration as a literal (a bound parameter would defeat index matching).
SEARCH_CONFIG_SQL = "'english'::regconfig"


class IncidentStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Tier(StrEnum):
    FREE = "free"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


def _enum(enum_cls: type[StrEnum], name: str) -> Enum:
    return Enum(enum_cls, name=name, values_callable=lambda cls: [m.value for m in cls])


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tier: Mapped[Tier] = mapped_column(_enum(Tier, "api_key_tier"))
    #: sha256 hex of the key: keys are 256-bit random, so a fast hash is enough.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the key, shown so users can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RefreshToken(Base):
    """One issued refresh token (``id`` is its ``jti``); rotation chains them in a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    tier: Mapped[Tier] = mapped_column(_enum(Tier, "api_key_tier"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the token is exchanged; a second exchange is reuse.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[IncidentStatus] = mapped_column(
        _enum(IncidentStatus, "incident_status"),
        default=IncidentStatus.OPEN,
        server_default=IncidentStatus.OPEN.value,
    )
    severity: Mapped[Severity] = mapped_column(
        _enum(Severity, "incident_severity"),
        default=Severity.MEDIUM,
        server_default=Severity.MEDIUM.value,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))

    __table_args__ = (
        # GET /incidents?q=... on PostgreSQL: full-text search (SQLite scans with LIKE).
        Index("ix_incidents_search", text(SEARCH_DOCUMENT_SQL), postgresql_using="gin").ddl_if(dialect="postgresql"),
    )


# GET /incidents: WHERE owner_id = ? ORDER BY created_at DESC, id DESC (keyset).
Index(
    "ix_incidents_owner_created",
    Incident.owner_id,
    Incident.created_at.desc(),
    Incident.id.desc(),
)
# GET /incidents?status=...: equality on owner and status, then the keyset order.
Index(
    "ix_incidents_owner_status_created",
    Incident.owner_id,
    Incident.status,
    Incident.created_at,
    Incident.id,
)


class TaskStatus(StrEnum):
    """Where a background task is; moves only forward (``reference_app.tasks.transitions``)."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    RETRY = "RETRY"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


class TaskPriority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class BackgroundTask(Base):
    """One background job (an export...): its id is also the Celery task id.

    Only ``reference_app.tasks.transitions`` changes ``status`` (a conditional UPDATE);
    ``version`` counts the transitions, so a client can order status messages.
    """

    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: None for tasks the system starts on its own (never listed by the API).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[TaskStatus] = mapped_column(
        _enum(TaskStatus, "task_status"),
        default=TaskStatus.PENDING,
        server_default=TaskStatus.PENDING.value,
    )
    priority: Mapped[TaskPriority] = mapped_column(
        _enum(TaskPriority, "task_priority"),
        default=TaskPriority.NORMAL,
        server_default=TaskPriority.NORMAL.value,
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    correlation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    #: Celery hostname of the worker that last started it.
    worker: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, server_default=text("CURRENT_TIMESTAMP"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Set while RETRY: when the next attempt is due (now + the backoff countdown).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# GET /tasks: WHERE owner_id = ? ORDER BY created_at DESC, id DESC (keyset).
Index(
    "ix_tasks_owner_created",
    BackgroundTask.owner_id,
    BackgroundTask.created_at.desc(),
    BackgroundTask.id.desc(),
)


class AuditLogEntry(Base):
    """One entry of the audit hash chain (``reference_app.audit``; property E7).

    ``id`` is assigned as head + 1 under the chain lock, not by a sequence: the hash
    covers the id, so it must be known before the insert, and gapless ids make a deleted
    entry visible at a glance. ``prev_hash`` is unique: an entry has at most one
    successor, so the chain can never fork, whatever the locking.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(200), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
