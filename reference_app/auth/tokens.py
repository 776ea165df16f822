"""JWT access and refresh tokens (HS256), signed with a key derived from the app secret."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from reference_app.errors import AuthenticationError
from reference_app.settings import Settings

ALGORITHM = "HS256"
#: Seconds of clock skew tolerated between app processes.
LEEWAY_SECONDS = 5

TokenKind = Literal["access", "refresh"]


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    kind: TokenKind
    token_id: uuid.UUID
    tier: str
    family_id: uuid.UUID | None
    expires_at: datetime


def derive_key(settings: Settings, purpose: str) -> bytes:
    """A per-purpose key, so a cursor tag can never be replayed as a token signature."""
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def issue_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    kind: TokenKind,
    tier: str,
    token_id: uuid.UUID | None = None,
    family_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[str, TokenClaims]:
    issued = now or datetime.now(UTC)
    ttl = settings.tokens.access_ttl_seconds if kind == "access" else settings.tokens.refresh_ttl_seconds
    claims = TokenClaims(
        user_id=user_id,
        kind=kind,
        token_id=token_id or uuid.uuid4(),
        tier=tier,
        family_id=family_id,
        expires_at=issued + timedelta(seconds=ttl),
    )
    payload: dict[str, Any] = {
        "iss": settings.tokens.issuer,
        "sub": str(user_id),
        "typ": kind,
        "jti": str(claims.token_id),
        "tier": tier,
        "iat": int(issued.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
    }
    if family_id is not None:
        payload["fam"] = str(family_id)
    return jwt.encode(payload, derive_key(settings, "jwt"), algorithm=ALGORITHM), claims


def decode_token(settings: Settings, token: str, *, kind: TokenKind) -> TokenClaims:
    """Verified claims of ``token``; any defect is an :class:`AuthenticationError`."""
    try:
        payload = jwt.decode(
            token,
            derive_key(settings, "jwt"),
            algorithms=[ALGORITHM],
            issuer=settings.tokens.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "jti", "typ"]},
        )
        if payload["typ"] != kind:
            raise AuthenticationError(f"Expected a {kind} token.")
        family = payload.get("fam")
        return TokenClaims(
            user_id=uuid.UUID(str(payload["sub"])),
            kind=kind,
            token_id=uuid.UUID(str(payload["jti"])),
            tier=str(payload.get("tier", "free")),
            family_id=uuid.UUID(str(family)) if family is not None else None,
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise AuthenticationError(f"The {kind} token is invalid or expired.") from exc
