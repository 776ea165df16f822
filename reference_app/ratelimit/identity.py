"""Who a request is, for rate limiting: a tier and the identity its budget is keyed by.

- ``Authorization: Bearer <access JWT>`` that verifies → the token's ``tier`` claim, keyed
  by user (``user:{id}``);
- ``X-API-Key`` of an active key → its tier, keyed by the key itself (spec: the limiter's
  key is ``rl:{tier}:{sha256(key)}``, so each key has its own budget); the key's owner and
  tier are looked up in the database and remembered for ``cache_ttl_s``;
- anything else (no or invalid credentials) → ``anonymous``, keyed by client IP
  (``ip:{host}``; the server runs without proxy headers, so this is the peer address).

Invalid credentials are limited as anonymous: random tokens cannot mint fresh budgets.
The answer is remembered in the request's scope, so the layers and the route that need it
after the limiter (idempotency scope, the route's principal) do not work it out again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Scope

from reference_app.auth.api_keys import hash_api_key
from reference_app.auth.tokens import decode_token
from reference_app.db.models import Tier
from reference_app.errors import AuthenticationError
from reference_app.http.headers import request_header
from reference_app.repositories.users import UserRepository
from reference_app.settings import Settings

ANONYMOUS_TIER = "anonymous"
#: Seconds an API key's tier is remembered (a tier change applies to limits this late).
API_KEY_CACHE_TTL_S = 30.0
#: API keys remembered at most; the memory is cleared when full.
API_KEY_CACHE_SIZE = 10_000
#: Credentials longer than this are not looked at (as in ``api/deps.py``).
MAX_CREDENTIAL_LENGTH = 4096
_KNOWN_TIERS = frozenset(tier.value for tier in Tier)

logger = logging.getLogger("reference_app.ratelimit")

SessionsOf = Callable[[], async_sessionmaker[AsyncSession] | None]


#: Where the scope remembers its :class:`Caller` (``scope["state"]``, i.e. ``request.state``).
SCOPE_STATE_KEY = "reference_app.caller"


@dataclass(frozen=True)
class Caller:
    tier: str
    #: What the rate-limit budget is keyed by (hashed by the limiter, never stored as is).
    identity: str
    #: The verified user, and how they proved it ("bearer" or "api_key"); None if anonymous.
    user_id: uuid.UUID | None = None
    scheme: str | None = None
    #: An X-API-Key was looked up and no active key matches (not: the lookup failed).
    unknown_key: bool = False


class KeyLookupError(Exception):
    """The database could not say whether an API key is active."""


@dataclass(frozen=True)
class _KeyOwner:
    user_id: uuid.UUID
    tier: str


def _tier(value: str) -> str:
    return value if value in _KNOWN_TIERS else Tier.FREE.value


class CallerIdentifier:
    """``await identify(scope)`` → :class:`Caller`.

    Example::

        identify = CallerIdentifier(settings, sessions_of=lambda: resources.sessions)
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sessions_of: SessionsOf,
        cache_ttl_s: float = API_KEY_CACHE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sessions_of = sessions_of
        self.cache_ttl_s = cache_ttl_s
        self.clock = clock
        self._keys: dict[str, tuple[float, _KeyOwner | None]] = {}

    async def __call__(self, scope: Scope) -> Caller:
        state = scope.setdefault("state", {})
        known: Caller | None = state.get(SCOPE_STATE_KEY)
        if known is None:
            known = state[SCOPE_STATE_KEY] = await self._identify(scope)
        return known

    async def _identify(self, scope: Scope) -> Caller:
        authorization = request_header(scope, b"authorization")
        if authorization is not None and len(authorization) <= MAX_CREDENTIAL_LENGTH:
            scheme, _, token = authorization.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                try:
                    claims = decode_token(self.settings, token.strip(), kind="access")
                except AuthenticationError:
                    pass
                else:
                    return Caller(_tier(claims.tier), f"user:{claims.user_id}", claims.user_id, "bearer")
        api_key = request_header(scope, b"x-api-key")
        unknown_key = False
        if api_key is not None and len(api_key) <= MAX_CREDENTIAL_LENGTH:
            key = api_key.decode("latin-1")
            try:
                owner = await self._key_owner(key)
            except KeyLookupError:
                logger.warning("API key lookup failed; limiting the request as anonymous")
            else:
                if owner is not None:
                    return Caller(owner.tier, key, owner.user_id, "api_key")
                unknown_key = True
        client = scope.get("client")
        host = client[0] if client else "unknown"
        return Caller(ANONYMOUS_TIER, f"ip:{host}", unknown_key=unknown_key)

    async def _key_owner(self, api_key: str) -> _KeyOwner | None:
        """The key's owner (None: no active key matches), remembered for ``cache_ttl_s``.

        Raises KeyLookupError when the database cannot say (not started, unreachable).
        """
        key_hash = hash_api_key(api_key)
        now = self.clock()
        cached = self._keys.get(key_hash)
        if cached is not None and cached[0] > now:
            return cached[1]
        sessions = self.sessions_of()
        if sessions is None:
            raise KeyLookupError("the database is not connected yet")
        try:
            async with sessions() as session:
                owner = await UserRepository(session).owner_of_key(key_hash)
        except Exception as exc:
            raise KeyLookupError(type(exc).__name__) from exc
        # An unknown key is remembered too: a flood of made-up keys costs one query per key.
        known = _KeyOwner(owner.user_id, _tier(str(owner.tier))) if owner is not None else None
        if len(self._keys) >= API_KEY_CACHE_SIZE:
            self._keys.clear()
        self._keys[key_hash] = (now + self.cache_ttl_s, known)
        return known
