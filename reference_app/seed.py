"""Demo data for a local try-out: one user and one API key per tier (dev only)."""

from __future__ import annotations

import secrets
from typing import Any

from reference_app.auth.api_keys import generate_api_key
from reference_app.auth.passwords import Passwords
from reference_app.db.engine import create_engine, create_session_factory
from reference_app.db.models import Tier
from reference_app.errors import ConfigurationError
from reference_app.repositories.users import UsernameTakenError, UserRepository
from reference_app.settings import Environment, Settings

DEMO_USERNAME_PREFIX = "demo"


async def seed_demo(settings: Settings) -> dict[str, Any]:
    """Create a fresh demo user and its keys; returns what a person needs to log in.

    >>> credentials = asyncio.run(seed_demo(build_settings()))
    """
    if settings.environment is not Environment.DEV:
        raise ConfigurationError(
            f"seed-demo only runs with APP_ENVIRONMENT=dev (got {settings.environment.value}): "
            "it creates accounts with known passwords."
        )
    passwords = Passwords.for_settings(settings.password_hash)
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            users = UserRepository(session)
            password = secrets.token_urlsafe(12)
            while True:
                username = f"{DEMO_USERNAME_PREFIX}-{secrets.token_hex(3)}"
                try:
                    user = await users.create(username, await passwords.hash(password))
                    break
                except UsernameTakenError:
                    continue
            keys = {}
            for tier in Tier:
                new_key = generate_api_key()
                await users.add_api_key(user.id, tier=tier, key_hash=new_key.key_hash, prefix=new_key.display_prefix)
                keys[tier.value] = new_key.secret
    finally:
        await engine.dispose()
    return {"user_id": str(user.id), "username": username, "password": password, "api_keys": keys}
