"""What an audit entry says: who (actor) did what (action) to what (subject), with details.

Details are small JSON objects and never hold secrets: a key that names one (password,
token, secret, key, authorization, cookie...) is refused with :class:`AuditError`, so
a careless call fails in tests instead of writing a credential into a permanent log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reference_app.errors import ReferenceAppError

USER_SIGNED_UP = "user.signed_up"
LOGIN_SUCCEEDED = "auth.login_succeeded"
LOGIN_FAILED = "auth.login_failed"
TOKEN_REFRESHED = "auth.token_refreshed"  # noqa: S105 - an action name, not a secret
TOKEN_FAMILY_REVOKED = "auth.token_family_revoked"  # noqa: S105 - an action name
API_KEY_CREATED = "api_key.created"
INCIDENT_CREATED = "incident.created"
INCIDENT_UPDATED = "incident.updated"
INCIDENT_DELETED = "incident.deleted"

#: Detail keys refused anywhere in ``details`` (case-insensitive, ``-`` ≡ ``_``).
_SECRET_KEY = re.compile(r"(pass(word)?|secret|token|api_?key|authorization|cookie|credential|private_?key)", re.I)
#: Depth of nested details accepted (they are meant to be flat).
MAX_DETAILS_DEPTH = 4


class AuditError(ReferenceAppError):
    """An audit event that must not be written (e.g. details naming a secret)."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    action: str
    actor: str | None = None
    subject: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_details(self.details, depth=0)


def user_ref(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def ref(kind: str, ident: uuid.UUID | str) -> str:
    """A subject reference, e.g. ``ref("incident", incident.id)`` → ``incident:<uuid>``."""
    return f"{kind}:{ident}"


def _check_details(value: Any, *, depth: int) -> None:
    if depth > MAX_DETAILS_DEPTH:
        raise AuditError(f"Audit details nest deeper than {MAX_DETAILS_DEPTH} levels; keep them flat.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditError(f"Audit detail key {key!r} is not a string.")
            if _SECRET_KEY.search(key.replace("-", "_")):
                raise AuditError(
                    f"Audit detail {key!r} names a secret: audit entries are permanent and never hold "
                    "passwords, tokens or keys. Record an id or a prefix instead, e.g. key_id=..."
                )
            _check_details(item, depth=depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_details(item, depth=depth + 1)
    elif not (value is None or isinstance(value, str | int | float | bool)):
        raise AuditError(f"Audit detail value {value!r} is not JSON (use str(...) for ids and times).")
