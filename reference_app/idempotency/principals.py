"""Ready-made ``principal_of`` callables for :class:`IdempotencyMiddleware`."""

from __future__ import annotations

import hashlib

from starlette.types import Scope

from reference_app.idempotency.asgi import header


def credential_principal(scope: Scope) -> str | None:
    """sha256 of the ``Authorization`` (else ``X-API-Key``) header; None when anonymous.

    The credential, not the user: after a token refresh the same user is a new principal,
    so a retry across a refresh executes again. Decode the token yourself to key by user.
    """
    credential = header(scope, b"authorization") or header(scope, b"x-api-key")
    if credential is None:
        return None
    return "cred:" + hashlib.sha256(credential).hexdigest()
