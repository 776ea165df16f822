"""Argon2id password hashing, run off the event loop (each hash costs tens of milliseconds)."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reference_app.settings import PasswordHashSettings


class Passwords:
    """Hash and verify passwords with one Argon2id cost setting.

    >>> passwords = Passwords.for_settings(settings.password_hash)
    >>> assert await passwords.verify("pw", await passwords.hash("pw"))
    """

    def __init__(self, hasher: PasswordHasher) -> None:
        self._hasher = hasher
        # Verified against when the user does not exist, so both paths cost the same time.
        self._decoy = hasher.hash("decoy password for unknown users")

    @staticmethod
    @cache
    def for_settings(cost: PasswordHashSettings) -> Passwords:
        return Passwords(
            PasswordHasher(
                time_cost=cost.time_cost,
                memory_cost=cost.memory_kib,
                parallelism=cost.parallelism,
            )
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """True when ``password`` matches; an absent hash still spends the time of a check."""
        target = password_hash if password_hash is not None else self._decoy
        try:
            matched = await asyncio.to_thread(self._hasher.verify, target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None
