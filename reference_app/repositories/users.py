"""Users and their API keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.db.base import utcnow
from reference_app.db.models import ApiKey, Tier, User


class UsernameTakenError(Exception):
    """The username already belongs to someone (unique constraint)."""


@dataclass(frozen=True, slots=True)
class KeyOwner:
    user_id: uuid.UUID
    tier: Tier


class UserRepository:
    """Users and API keys.

    >>> user = await UserRepository(session).create("ada", password_hash)
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(self, username: str, password_hash: str) -> User:
        user = User(id=uuid.uuid4(), username=username, password_hash=password_hash)
        user.created_at = utcnow()
        self._session.add(user)
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise UsernameTakenError(username) from exc
        return user

    async def by_username(self, username: str) -> User | None:
        statement = select(User).where(User.username == username, User.is_active.is_(True))
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def is_active(self, user_id: uuid.UUID) -> bool:
        statement = select(User.id).where(User.id == user_id, User.is_active.is_(True))
        return (await self._session.execute(statement)).scalar_one_or_none() is not None

    async def add_api_key(self, user_id: uuid.UUID, *, tier: Tier, key_hash: str, prefix: str) -> ApiKey:
        key = ApiKey(
            id=uuid.uuid4(),
            user_id=user_id,
            tier=tier,
            key_hash=key_hash,
            prefix=prefix,
            created_at=utcnow(),
        )
        self._session.add(key)
        await self._session.commit()
        return key

    async def owner_of_key(self, key_hash: str) -> KeyOwner | None:
        """The active user holding the unrevoked key with this hash."""
        statement = (
            select(ApiKey.user_id, ApiKey.tier)
            .join(User, User.id == ApiKey.user_id)
            .where(
                ApiKey.key_hash == key_hash,
                ApiKey.revoked_at.is_(None),
                User.is_active.is_(True),
            )
        )
        row = (await self._session.execute(statement)).one_or_none()
        return KeyOwner(row.user_id, row.tier) if row is not None else None
