"""``/auth`` and ``/api-keys``: credentials in, tokens out.

Token responses carry ``Cache-Control: no-store`` (RFC 6749 §5.1).
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from reference_app.api.deps import PasswordsDep, PrincipalDep, SessionDep, SettingsDep
from reference_app.audit import resolvers
from reference_app.audit.events import LOGIN_FAILED, AuditEvent, user_ref
from reference_app.audit.trail import record, stage
from reference_app.auth.api_keys import generate_api_key, hash_api_key
from reference_app.auth.sessions import rotate_session, start_session
from reference_app.auth.tokens import decode_token
from reference_app.db.base import utcnow
from reference_app.db.models import Tier
from reference_app.errors import AuthenticationError
from reference_app.openapi import problem_responses
from reference_app.repositories.users import UserRepository
from reference_app.schemas.auth import (
    ApiKeyCreate,
    ApiKeyGrant,
    ApiKeyIssued,
    PasswordGrant,
    RefreshRequest,
    TokenPair,
)

router = APIRouter(tags=["auth"])


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post(
    "/auth/token",
    operation_id="issueToken",
    responses=problem_responses(400, 401, 422, 429),
)
async def issue_token(
    body: PasswordGrant | ApiKeyGrant,
    response: Response,
    settings: SettingsDep,
    session: SessionDep,
    passwords: PasswordsDep,
) -> TokenPair:
    """Trade a username and password, or an API key, for an access and a refresh token."""
    users = UserRepository(session)
    if isinstance(body, ApiKeyGrant):
        owner = await users.owner_of_key(hash_api_key(body.api_key))
        if owner is None:
            if settings.audit.enabled:
                await record(session, AuditEvent(LOGIN_FAILED, details={"grant": "api_key"}))
            raise AuthenticationError("The API key is unknown or revoked.")
        user_id, tier = owner.user_id, owner.tier
    else:
        user = await users.by_username(body.username)
        valid = await passwords.verify(body.password, user.password_hash if user else None)
        if user is None or not valid:
            if settings.audit.enabled:
                failed = AuditEvent(
                    LOGIN_FAILED,
                    subject=user_ref(user.id) if user is not None else None,
                    details={"grant": "password", "username": body.username},
                )
                await record(session, failed)
            raise AuthenticationError("Wrong username or password.")
        user_id, tier = user.id, Tier.FREE
    if settings.audit.enabled:
        grant = "api_key" if isinstance(body, ApiKeyGrant) else "password"
        stage(session, resolvers.session_started(user_id, grant=grant))
    _no_store(response)
    return await start_session(settings, session, user_id=user_id, tier=tier)


@router.post(
    "/auth/refresh",
    operation_id="refreshToken",
    responses=problem_responses(400, 401, 422, 429),
)
async def refresh_token(
    body: RefreshRequest, response: Response, settings: SettingsDep, session: SessionDep
) -> TokenPair:
    """Rotate: the presented refresh token is spent; reusing it revokes the session."""
    if settings.audit.enabled:
        claims = decode_token(settings, body.refresh_token, kind="refresh")
        if claims.family_id is not None:
            # Records the refresh, or the family revocation a reuse commits, with that commit.
            stage(session, resolvers.session_rotated(claims.family_id, since=utcnow()))
    pair = await rotate_session(settings, session, body.refresh_token)
    _no_store(response)
    return pair


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    operation_id="createApiKey",
    responses=problem_responses(400, 401, 422, 429),
)
async def create_api_key(
    body: ApiKeyCreate, response: Response, principal: PrincipalDep, session: SessionDep, settings: SettingsDep
) -> ApiKeyIssued:
    """A new API key for the caller; the key is in this response only, store it now."""
    if settings.audit.enabled:
        stage(session, resolvers.api_key_created(principal.user_id))
    new_key = generate_api_key()
    stored = await UserRepository(session).add_api_key(
        principal.user_id, tier=body.tier, key_hash=new_key.key_hash, prefix=new_key.display_prefix
    )
    _no_store(response)
    return ApiKeyIssued(
        id=stored.id,
        tier=stored.tier,
        api_key=new_key.secret,
        prefix=stored.prefix,
        created_at=stored.created_at,
    )
