"""FastAPI dependencies as ``Annotated`` aliases: routes declare them, tests override them.

Authentication accepts ``Authorization: Bearer <access JWT>`` or ``X-API-Key: <key>``.
"""

# Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency in the
# threadpool, one thread hop per dependency per request, for work that never blocks.

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.auth.api_keys import hash_api_key
from reference_app.auth.passwords import Passwords
from reference_app.auth.tokens import decode_token
from reference_app.cache import CacheAside
from reference_app.cursor import CursorCodec
from reference_app.db.models import BackgroundTask, Incident, Tier
from reference_app.errors import AuthenticationError, NotFoundError, ProblemError
from reference_app.ratelimit.identity import CallerIdentifier
from reference_app.repositories.incidents import IncidentRepository
from reference_app.repositories.tasks import TaskRepository
from reference_app.repositories.users import UserRepository
from reference_app.resilience.upstream import ModelServerClient
from reference_app.settings import Settings
from reference_app.state import Resources, app_resources, app_settings
from reference_app.tasks import TaskQueue

#: Idempotency keys: 1-255 printable ASCII characters (spec: Idempotency).
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x20-\x7e]{1,255}$")
#: Longest Authorization/X-API-Key value looked at; anything longer is refused unread.
MAX_CREDENTIAL_LENGTH = 4096

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/v1/auth/token")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="Key from POST /api/v1/api-keys")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user, their rate-limit tier, and how they proved it."""

    user_id: uuid.UUID
    tier: Tier
    scheme: str


async def get_settings(request: Request) -> Settings:
    return app_settings(request.app.state)


async def get_resources(request: Request) -> Resources:
    resources = app_resources(request.app.state)
    if resources is None:
        raise ProblemError(503, "Service Unavailable", slug="not-ready", detail="Starting up.")
    return resources


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_passwords(settings: SettingsDep) -> Passwords:
    return Passwords.for_settings(settings.password_hash)


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    async with resources.sessions() as session:
        yield session


async def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


async def get_cache(resources: ResourcesDep) -> CacheAside | None:
    return resources.cache


CacheDep = Annotated[CacheAside | None, Depends(get_cache)]


async def get_cursor_codec(resources: ResourcesDep) -> CursorCodec:
    return resources.cursors


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_model_client(request: Request, _resources: ResourcesDep) -> ModelServerClient:
    """The app's model server client (built by the lifespan; see ``reference_app.resilience``)."""
    client: ModelServerClient | None = getattr(request.app.state, "model_client", None)
    if client is None:
        raise ProblemError(503, "Service Unavailable", slug="not-ready", detail="Starting up.")
    return client


ModelClientDep = Annotated[ModelServerClient, Depends(get_model_client)]
RedisDep = Annotated[Redis, Depends(get_redis)]
CursorCodecDep = Annotated[CursorCodec, Depends(get_cursor_codec)]


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    # The rate limiter identified the caller a moment ago (the answer is kept in the
    # request's scope): a verified token or a known key is reused as is, so a request costs
    # one token check and at most one key lookup. Anything else is checked here, to raise
    # the precise 401. Settings and the database are looked up rather than declared as
    # dependencies: each declared dependency costs FastAPI's solver per request.
    identify: CallerIdentifier | None = getattr(request.app.state, "identify", None)
    caller = await identify(request.scope) if identify is not None else None
    if bearer is not None and len(bearer.credentials) <= MAX_CREDENTIAL_LENGTH:
        if caller is not None and caller.scheme == "bearer" and caller.user_id is not None:
            return Principal(caller.user_id, Tier(caller.tier), "bearer")
        claims = decode_token(app_settings(request.app.state), bearer.credentials, kind="access")
        return Principal(claims.user_id, Tier(claims.tier), "bearer")
    if api_key is not None and len(api_key) <= MAX_CREDENTIAL_LENGTH:
        if caller is not None and caller.scheme == "api_key" and caller.user_id is not None:
            return Principal(caller.user_id, Tier(caller.tier), "api_key")
        if caller is not None and caller.unknown_key:
            raise AuthenticationError("The API key is unknown or revoked.")
        resources = await get_resources(request)  # the lookup failed: ask the database, or 503
        async with resources.sessions() as session:
            owner = await UserRepository(session).owner_of_key(hash_api_key(api_key))
        if owner is None:
            raise AuthenticationError("The API key is unknown or revoked.")
        return Principal(owner.user_id, owner.tier, "api_key")
    raise AuthenticationError()


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def authenticate(request: Request) -> Principal:
    """``get_principal`` as ONE dependency: the security schemes are called, not solved.

    FastAPI's solver costs per dependency per request, and ``PrincipalDep`` is three (the
    principal and its two schemes). The hot read route uses ``AuthenticatedDep`` instead and
    documents the schemes itself with ``openapi_extra=AUTHENTICATED_OPENAPI``, so the
    OpenAPI document is the same. Same answers and order of checks: 401 before 422.
    """
    return await get_principal(request, await _bearer(request), await _api_key(request))


AuthenticatedDep = Annotated[Principal, Depends(authenticate)]
#: The ``security`` requirement ``PrincipalDep`` adds to an operation (either scheme).
AUTHENTICATED_OPENAPI: dict[str, object] = {"security": [{_bearer.scheme_name: []}, {_api_key.scheme_name: []}]}


async def get_incident_repository(session: SessionDep) -> IncidentRepository:
    return IncidentRepository(session)


IncidentsDep = Annotated[IncidentRepository, Depends(get_incident_repository)]


async def get_owned_incident(
    incident_id: Annotated[uuid.UUID, Path(description="Incident id (UUID)")],
    principal: PrincipalDep,
    incidents: IncidentsDep,
) -> Incident:
    """Resolve-or-404: another user's incident is reported exactly like a missing one."""
    incident = await incidents.get(principal.user_id, incident_id)
    if incident is None:
        raise NotFoundError(detail="No incident with this id.")
    return incident


OwnedIncidentDep = Annotated[Incident, Depends(get_owned_incident)]


async def get_idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=(
                "Makes a retried POST safe: the same key and body replay the first response. "
                "1-255 printable ASCII characters; anything else is a 400."
            ),
            json_schema_extra={"minLength": 1, "maxLength": 255, "pattern": r"^[\x20-\x7e]+$"},
        ),
    ] = None,
) -> str | None:
    if idempotency_key is not None and not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key):
        raise ProblemError(
            400,
            "Invalid Idempotency-Key",
            slug="invalid-idempotency-key",
            detail="Idempotency-Key must be 1-255 printable ASCII characters, e.g. a UUID.",
        )
    return idempotency_key


IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]


async def get_task_repository(session: SessionDep) -> TaskRepository:
    return TaskRepository(session)


TaskRepositoryDep = Annotated[TaskRepository, Depends(get_task_repository)]


async def get_task_queue(request: Request, _resources: ResourcesDep) -> TaskQueue:
    """The app's task producer (built by the lifespan; see ``reference_app.tasks``)."""
    queue: TaskQueue | None = getattr(request.app.state, "task_queue", None)
    if queue is None:
        raise ProblemError(503, "Service Unavailable", slug="not-ready", detail="Starting up.")
    return queue


TaskQueueDep = Annotated[TaskQueue, Depends(get_task_queue)]


async def get_owned_task(
    task_id: Annotated[uuid.UUID, Path(description="Task id (UUID), as `POST /exports` returned it")],
    principal: PrincipalDep,
    tasks: TaskRepositoryDep,
) -> BackgroundTask:
    """Resolve-or-404: another user's task is reported exactly like a missing one."""
    task = await tasks.get(principal.user_id, task_id)
    if task is None:
        raise NotFoundError(detail="No task with this id.")
    return task


OwnedTaskDep = Annotated[BackgroundTask, Depends(get_owned_task)]
