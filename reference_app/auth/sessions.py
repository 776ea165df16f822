"""Login sessions: issue an access/refresh pair, rotate it, detect refresh-token reuse."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.auth.tokens import decode_token, issue_token
from reference_app.db.models import Tier
from reference_app.errors import AuthenticationError
from reference_app.repositories.tokens import Exchange, TokenRepository
from reference_app.schemas.auth import TokenPair
from reference_app.settings import Settings


async def start_session(settings: Settings, session: AsyncSession, *, user_id: uuid.UUID, tier: Tier) -> TokenPair:
    """A new token family for a fresh login."""
    return await _issue_pair(settings, session, user_id=user_id, tier=tier, family_id=uuid.uuid4())


async def rotate_session(settings: Settings, session: AsyncSession, refresh_token: str) -> TokenPair:
    """Exchange a live refresh token for a new pair in the same family.

    Presenting a token that was already exchanged (or revoked) revokes the whole family:
    whoever holds the newer tokens, a thief or the user, must log in again.
    """
    claims = decode_token(settings, refresh_token, kind="refresh")
    if claims.family_id is None:
        raise AuthenticationError("The refresh token is invalid or expired.")
    outcome = await TokenRepository(session).exchange(claims.token_id, claims.family_id)
    if outcome is Exchange.REUSED:
        raise AuthenticationError("The refresh token was already used; every token of this session is now revoked.")
    if outcome is Exchange.UNKNOWN:
        raise AuthenticationError("The refresh token is invalid or expired.")
    return await _issue_pair(
        settings,
        session,
        user_id=claims.user_id,
        tier=Tier(claims.tier),
        family_id=claims.family_id,
    )


async def _issue_pair(
    settings: Settings,
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    tier: Tier,
    family_id: uuid.UUID,
) -> TokenPair:
    access, _ = issue_token(settings, user_id=user_id, kind="access", tier=tier.value)
    refresh, refresh_claims = issue_token(
        settings, user_id=user_id, kind="refresh", tier=tier.value, family_id=family_id
    )
    await TokenRepository(session).record(
        token_id=refresh_claims.token_id,
        user_id=user_id,
        family_id=family_id,
        tier=tier,
        expires_at=refresh_claims.expires_at,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh,
        expires_in=settings.tokens.access_ttl_seconds,
    )
