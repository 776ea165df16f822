"""Refresh tokens: issue, rotate once, and revoke a whole family on reuse.

A family is every token descended from one login. Exchanging a token marks it used in
the same statement that checks it was unused, so two concurrent exchanges cannot both
win; the loser is treated as reuse (RFC 9700 §4.14.2: rotation with reuse detection).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.db.base import utcnow
from reference_app.db.models import RefreshToken, Tier


class Exchange(Enum):
    ROTATED = "rotated"
    #: Already used or revoked: the family is now revoked.
    REUSED = "reused"
    UNKNOWN = "unknown"


class TokenRepository:
    """Stored refresh tokens.

    >>> outcome = await TokenRepository(session).exchange(token_id)
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        token_id: uuid.UUID,
        user_id: uuid.UUID,
        family_id: uuid.UUID,
        tier: Tier,
        expires_at: datetime,
    ) -> None:
        self._session.add(
            RefreshToken(
                id=token_id,
                user_id=user_id,
                family_id=family_id,
                tier=tier,
                issued_at=utcnow(),
                expires_at=expires_at,
            )
        )
        await self._session.commit()

    async def exchange(self, token_id: uuid.UUID, family_id: uuid.UUID) -> Exchange:
        """Mark the token used if it is live; on reuse revoke its family."""
        now = utcnow()
        claimed = await self._session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.family_id == family_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(RefreshToken.id)
        )
        if claimed.scalar_one_or_none() is not None:
            await self._session.commit()
            return Exchange.ROTATED
        revoked = await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(RefreshToken.id)
        )
        known = revoked.first() is not None
        await self._session.commit()
        return Exchange.REUSED if known else Exchange.UNKNOWN

    async def revoke_family(self, family_id: uuid.UUID) -> None:
        await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        await self._session.commit()
