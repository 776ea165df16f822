"""Exceptions of the reference app.

Hierarchy::

    ReferenceAppError            root: catch this to catch anything the app raises on purpose
    ├── ConfigurationError       settings refused at start-up (names the variable and the fix)
    └── ProblemError             an expected client-facing failure, rendered as problem+json
        ├── AuthenticationError  401, carries ``WWW-Authenticate: Bearer``
        ├── ForbiddenError       403
        ├── NotFoundError        404 (also for other users' resources: no existence oracle)
        ├── ConflictError        409
        └── InvalidCursorError   400, type ``invalid-cursor``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ReferenceAppError(Exception):
    """Root of every exception the reference app raises deliberately."""


class ConfigurationError(ReferenceAppError):
    """The settings cannot be used; the message names each variable and its fix."""


class ProblemError(ReferenceAppError):
    """A failure the client caused or must handle; the app renders it as RFC 9457 problem+json.

    >>> raise ProblemError(400, "Bad Request", slug="invalid-idempotency-key", detail="...")
    """

    status: int = 400
    title: str = "Bad Request"
    slug: str | None = None

    def __init__(
        self,
        status: int | None = None,
        title: str | None = None,
        *,
        slug: str | None = None,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status if status is not None else type(self).status
        self.title = title if title is not None else type(self).title
        self.slug = slug if slug is not None else type(self).slug
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(detail or self.title)


class AuthenticationError(ProblemError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"

    def __init__(self, detail: str = "Missing or invalid credentials.") -> None:
        # RFC 9110 §11.6.1: a 401 must say how to authenticate.
        super().__init__(detail=detail, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ProblemError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFoundError(ProblemError):
    status = 404
    title = "Not Found"
    slug = "not-found"


class ConflictError(ProblemError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class InvalidCursorError(ProblemError):
    status = 400
    title = "Invalid cursor"
    slug = "invalid-cursor"
