"""``/users``: sign-up (can be switched off with ``APP_SIGNUP_ENABLED=false``)."""

from __future__ import annotations

from fastapi import APIRouter, status

from reference_app.api.deps import PasswordsDep, SessionDep, SettingsDep
from reference_app.audit.resolvers import user_created
from reference_app.audit.trail import stage
from reference_app.errors import ConflictError, ForbiddenError
from reference_app.openapi import problem_responses
from reference_app.repositories.users import UsernameTakenError, UserRepository
from reference_app.schemas.auth import UserCreate, UserPublic

router = APIRouter(prefix="/users", tags=["auth"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createUser",
    responses=problem_responses(400, 403, 409, 422, 429),
)
async def create_user(
    body: UserCreate, settings: SettingsDep, session: SessionDep, passwords: PasswordsDep
) -> UserPublic:
    """Create an account; then get tokens from `POST /auth/token`."""
    if not settings.signup_enabled:
        raise ForbiddenError(
            title="Sign-up disabled",
            slug="signup-disabled",
            detail="This server does not accept new accounts.",
        )
    password_hash = await passwords.hash(body.password)
    if settings.audit.enabled:
        stage(session, user_created(body.username))  # written by create's commit, or dropped with it
    try:
        user = await UserRepository(session).create(body.username, password_hash)
    except UsernameTakenError:
        raise ConflictError(title="Username taken", slug="username-taken", detail="Choose another username.") from None
    return UserPublic.model_validate(user)
