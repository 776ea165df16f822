"""Audit events decided at commit time, from what the transaction did (see ``trail``).

Repositories commit inside their own methods and create the ids there, so a route cannot
know a new row's id, or whether its DELETE removed anything, before the commit. These
resolvers look at the session when it commits: new objects (``session.new``) first, then
the transaction's own view of the database. Each returns None while there is nothing to
record yet, which keeps the entry staged for a later commit of the same session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_app.audit import events as ev
from reference_app.audit.events import AuditEvent, ref, user_ref
from reference_app.audit.trail import Resolver
from reference_app.db.models import ApiKey, Incident, RefreshToken, User

M = TypeVar("M")


def _new(session: Session, model: type[M], accept: Callable[[M], bool]) -> M | None:
    return next((obj for obj in session.new if isinstance(obj, model) and accept(obj)), None)


def user_created(username: str) -> Resolver:
    def resolve(session: Session) -> AuditEvent | None:
        user = _new(session, User, lambda u: u.username == username)
        if user is None:
            return None
        return AuditEvent(ev.USER_SIGNED_UP, actor=user_ref(user.id), subject=user_ref(user.id))

    return resolve


def session_started(user_id: uuid.UUID, *, grant: str) -> Resolver:
    """A login: the refresh token it issues names the new token family."""

    def resolve(session: Session) -> AuditEvent | None:
        token = _new(session, RefreshToken, lambda t: t.user_id == user_id)
        if token is None:
            return None
        details: dict[str, Any] = {"grant": grant, "tier": token.tier.value}
        return AuditEvent(
            ev.LOGIN_SUCCEEDED, actor=user_ref(user_id), subject=ref("token_family", token.family_id), details=details
        )

    return resolve


def session_rotated(family_id: uuid.UUID, *, since: datetime) -> Resolver:
    """A refresh: a new token in ``family_id``, or, on reuse, the family revoked.

    Revoked means a token of the family got ``revoked_at`` at or after ``since`` (when the
    request began), seen from inside this transaction: the revocation it is committing.
    """

    def resolve(session: Session) -> AuditEvent | None:
        token = _new(session, RefreshToken, lambda t: t.family_id == family_id)
        if token is not None:
            return AuditEvent(ev.TOKEN_REFRESHED, actor=user_ref(token.user_id), subject=ref("token_family", family_id))
        revoked = session.execute(
            select(RefreshToken.user_id)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at >= since)
            .limit(1)
        ).first()
        if revoked is None:
            return None
        return AuditEvent(
            ev.TOKEN_FAMILY_REVOKED,
            actor=user_ref(revoked.user_id),
            subject=ref("token_family", family_id),
            details={"reason": "refresh_token_reuse"},
        )

    return resolve


def api_key_created(user_id: uuid.UUID) -> Resolver:
    def resolve(session: Session) -> AuditEvent | None:
        key = _new(session, ApiKey, lambda k: k.user_id == user_id)
        if key is None:
            return None
        return AuditEvent(
            ev.API_KEY_CREATED,
            actor=user_ref(user_id),
            subject=ref("api_key", key.id),
            details={"tier": key.tier.value},
        )

    return resolve


def incident_created(owner_id: uuid.UUID) -> Resolver:
    def resolve(session: Session) -> AuditEvent | None:
        incident = _new(session, Incident, lambda i: i.owner_id == owner_id)
        if incident is None:
            return None
        return AuditEvent(
            ev.INCIDENT_CREATED,
            actor=user_ref(owner_id),
            subject=ref("incident", incident.id),
            details={"status": incident.status.value, "severity": incident.severity.value},
        )

    return resolve


def incident_updated(owner_id: uuid.UUID, incident_id: uuid.UUID, changes: dict[str, object]) -> AuditEvent:
    """Field names always; new values only for the enumerations (titles are user content)."""
    details: dict[str, Any] = {"fields": sorted(changes)}
    for name in ("status", "severity"):
        if name in changes:
            details[name] = str(getattr(changes[name], "value", changes[name]))
    return AuditEvent(
        ev.INCIDENT_UPDATED, actor=user_ref(owner_id), subject=ref("incident", incident_id), details=details
    )


def incident_deleted(owner_id: uuid.UUID, incident_id: uuid.UUID) -> Resolver:
    """Recorded only if the row is gone in this transaction (a lost race deletes nothing)."""

    def resolve(session: Session) -> AuditEvent | None:
        still_there = session.execute(select(Incident.id).where(Incident.id == incident_id)).first()
        if still_there is not None:
            return None
        return AuditEvent(ev.INCIDENT_DELETED, actor=user_ref(owner_id), subject=ref("incident", incident_id))

    return resolve
