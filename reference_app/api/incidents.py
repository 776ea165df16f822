"""``/incidents``: keyset-paginated listing and CRUD, scoped to the caller."""

# No `from __future__ import annotations`: route signatures inside the factory refer to
# its local `pagination`, which string annotations could not resolve.

import uuid
from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response, status

from reference_app.api.caching import INCIDENTS, cached, invalidate, mark_private, private_cache_headers
from reference_app.api.deps import (
    AUTHENTICATED_OPENAPI,
    AuthenticatedDep,
    CacheDep,
    CursorCodecDep,
    IdempotencyKeyDep,
    IncidentsDep,
    OwnedIncidentDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    get_resources,
)
from reference_app.api.fields import MAX_FIELDS_LENGTH, fields_pattern, parse_fields
from reference_app.audit import resolvers as audit_events
from reference_app.audit.trail import stage as stage_audit
from reference_app.cursor import CursorCodec, Keyset, filters_fingerprint
from reference_app.db.models import Incident, IncidentStatus
from reference_app.errors import NotFoundError
from reference_app.openapi import links_to, problem_responses
from reference_app.repositories.incidents import IncidentFilter, IncidentRepository
from reference_app.schemas.incidents import (
    INCIDENT_FIELDS,
    IncidentCreate,
    IncidentFields,
    IncidentPage,
    IncidentPublic,
    IncidentUpdate,
    PageLinks,
)
from reference_app.schemas.text import NO_NUL_PATTERN, SEARCH_MAX_LENGTH
from reference_app.settings import PaginationSettings
from reference_app.state import app_settings

#: Links from a created incident to the operations that take its id (stateful fuzzing).
_CREATED_LINKS = links_to(
    {
        "GetIncident": "getIncident",
        "UpdateIncident": "updateIncident",
        "DeleteIncident": "deleteIncident",
        "DraftIncidentSummary": "draftIncidentSummary",
    },
    "incident_id",
    "$response.body#/id",
)


def build_incidents_router(pagination: PaginationSettings) -> APIRouter:
    """The router; built per app because the documented ``limit`` bounds are settings."""
    router = APIRouter(prefix="/incidents", tags=["incidents"])

    @router.get(
        "",
        operation_id="listIncidents",
        response_model_exclude_unset=True,
        responses=problem_responses(400, 401, 422, 429),
    )
    async def list_incidents(
        *,
        request: Request,
        response: Response,
        settings: SettingsDep,
        cache: CacheDep,
        principal: PrincipalDep,
        incidents: IncidentsDep,
        cursors: CursorCodecDep,
        limit: Annotated[int, Query(ge=1, le=pagination.max_limit, description="Page size")] = pagination.default_limit,
        cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
        status_: Annotated[IncidentStatus | None, Query(alias="status")] = None,
        q: Annotated[
            str | None,
            Query(
                min_length=1,
                max_length=SEARCH_MAX_LENGTH,
                pattern=NO_NUL_PATTERN,
                description="Full-text search in title and description",
            ),
        ] = None,
        fields: Annotated[
            str | None,
            Query(
                max_length=MAX_FIELDS_LENGTH,
                description=f"Comma-separated subset of: {', '.join(INCIDENT_FIELDS)}",
                examples=["title,status"],
                # Documented only: a mismatch is answered by parse_fields with a 422 that
                # lists the allowed fields, instead of a bare pattern error.
                json_schema_extra={"pattern": fields_pattern()},
            ),
        ] = None,
    ) -> IncidentPage:
        """Your incidents, newest first, one page at a time (follow `links.next`)."""
        selected = parse_fields(fields)
        filters = IncidentFilter(status=status_, q=q)
        fingerprint = filters_fingerprint(filters.as_mapping())
        after = cursors.decode(cursor, fingerprint=fingerprint) if cursor is not None else None
        query: dict[str, object] = {
            "limit": limit,
            "status": status_.value if status_ else None,
            "q": q,
            "fields": fields,
        }

        async def fetch() -> str:
            rows = await incidents.list_page(principal.user_id, limit=limit, after=after, filters=filters)
            return _render_page(
                rows,
                limit=limit,
                selected=selected,
                request=request,
                query=query,
                cursor=cursor,
                cursors=cursors,
                fingerprint=fingerprint,
            )

        mark_private(response, settings.http.private_max_age_seconds)
        page_json = await cached(cache, INCIDENTS, principal.user_id, {**query, "cursor": cursor}, fetch)
        return IncidentPage.model_validate_json(page_json)

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        operation_id="createIncident",
        responses={
            201: {"description": "Created", "links": _CREATED_LINKS},
            **problem_responses(400, 401, 409, 422, 429),
        },
    )
    async def create_incident(
        *,
        body: IncidentCreate,
        response: Response,
        request: Request,
        principal: PrincipalDep,
        incidents: IncidentsDep,
        cache: CacheDep,
        _idempotency_key: IdempotencyKeyDep,
        settings: SettingsDep,
        session: SessionDep,
    ) -> IncidentPublic:
        """File an incident. Send an `Idempotency-Key` to make retries safe."""
        if settings.audit.enabled:  # the audit entry commits with the incident (reference_app.audit.trail)
            stage_audit(session, audit_events.incident_created(principal.user_id))
        incident = await incidents.create(
            principal.user_id,
            title=body.title,
            description=body.description,
            status=body.status,
            severity=body.severity,
        )
        await invalidate(cache)
        response.headers["Location"] = f"{request.url.path}/{incident.id}"
        return IncidentPublic.model_validate(incident)

    @router.get(
        "/{incident_id}",
        operation_id="getIncident",
        response_model=IncidentPublic,
        responses=problem_responses(401, 404, 422, 429),
        openapi_extra=AUTHENTICATED_OPENAPI,
    )
    async def get_incident(
        *,
        incident_id: Annotated[uuid.UUID, Path(description="Incident id (UUID)")],
        request: Request,
        principal: AuthenticatedDep,
    ) -> Response:
        # The hot read path: a hit sends the cached JSON as stored (rendered once, on the
        # miss, through IncidentPublic), with no per-request validation or serialisation,
        # and the database session is opened only on a miss.
        resources = await get_resources(request)

        async def fetch() -> str:
            async with resources.sessions() as session:
                incident = await IncidentRepository(session).get(principal.user_id, incident_id)
                if incident is None:  # not cached: a 404 must not outlive a later create
                    raise NotFoundError(detail="No incident with this id.")
                return IncidentPublic.model_validate(incident).model_dump_json()

        body: str = await cached(resources.cache, INCIDENTS, principal.user_id, {"id": str(incident_id)}, fetch)
        max_age = app_settings(request.app.state).http.private_max_age_seconds
        return Response(body.encode(), media_type="application/json", headers=private_cache_headers(max_age))

    @router.patch(
        "/{incident_id}",
        operation_id="updateIncident",
        responses=problem_responses(400, 401, 404, 409, 422, 429),
    )
    async def update_incident(
        *,
        body: IncidentUpdate,
        incident: OwnedIncidentDep,
        incidents: IncidentsDep,
        cache: CacheDep,
        _idempotency_key: IdempotencyKeyDep,
        settings: SettingsDep,
        session: SessionDep,
    ) -> IncidentPublic:
        """Change some fields; omitted fields keep their value."""
        changes = body.changes()
        if settings.audit.enabled and changes:
            stage_audit(session, audit_events.incident_updated(incident.owner_id, incident.id, changes))
        updated = await incidents.update(incident, changes)
        await invalidate(cache)
        return IncidentPublic.model_validate(updated)

    @router.delete(
        "/{incident_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        operation_id="deleteIncident",
        response_class=Response,
        responses=problem_responses(401, 404, 422, 429),
    )
    async def delete_incident(
        *,
        incident: OwnedIncidentDep,
        principal: PrincipalDep,
        incidents: IncidentsDep,
        cache: CacheDep,
        settings: SettingsDep,
        session: SessionDep,
    ) -> None:
        if settings.audit.enabled:
            stage_audit(session, audit_events.incident_deleted(principal.user_id, incident.id))
        deleted = await incidents.delete(principal.user_id, incident.id)
        await invalidate(cache)
        if not deleted:
            # Deleted concurrently between the lookup and the delete.
            raise NotFoundError(detail="No incident with this id.")

    return router


def _render_page(
    rows: Sequence[Incident],
    *,
    limit: int,
    selected: Sequence[str],
    request: Request,
    query: dict[str, object],
    cursor: str | None,
    cursors: CursorCodec,
    fingerprint: str,
) -> str:
    """One page as JSON (the cached form): ``rows`` holds up to ``limit + 1`` rows."""
    page, has_more = rows[:limit], len(rows) > limit
    next_cursor = (
        cursors.encode(Keyset(page[-1].created_at, page[-1].id), fingerprint=fingerprint) if has_more else None
    )
    return IncidentPage(
        items=[IncidentFields(**{name: getattr(row, name) for name in selected}) for row in page],
        limit=limit,
        next_cursor=next_cursor,
        has_more=has_more,
        links=PageLinks(
            self=_page_url(request, {**query, "cursor": cursor}),
            next=_page_url(request, {**query, "cursor": next_cursor}) if next_cursor else None,
        ),
    ).model_dump_json(exclude_unset=True)


def _page_url(request: Request, params: dict[str, object]) -> str:
    """Origin-relative URL of a page (the Host header is never reflected)."""
    present = {key: value for key, value in params.items() if value is not None}
    return f"{request.url.path}?{urlencode(present)}"
