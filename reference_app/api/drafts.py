"""``POST /incidents/{id}/draft``: the model server drafts a summary (retries + circuit breaker).

Upstream failures become problem+json with a fixed detail (never the upstream's words):
502 the upstream could not be reached or answered badly (after retries), 503 the breaker
is open (``Retry-After`` = seconds until it admits a trial) or the model server itself
asked for a wait retries do not make (its 429/503 ``Retry-After``, passed on), 504 the
upstream timed out.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter

from reference_app.api.deps import ModelClientDep, OwnedIncidentDep
from reference_app.errors import ProblemError
from reference_app.http.problem import current_correlation_id
from reference_app.openapi import problem_responses
from reference_app.resilience import (
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from reference_app.schemas.drafts import DraftPublic

router = APIRouter(prefix="/incidents", tags=["incidents"])

_UPSTREAM_DOCS = {
    502: "The model server could not be reached or gave an unusable answer, after retries.",
    503: (
        "The model server is unavailable: its circuit breaker is open, or it asked for a longer wait "
        "than retries make. Retry after `Retry-After` seconds."
    ),
    504: "The model server did not answer in time, after retries.",
}


def _responses() -> dict[int | str, dict[str, Any]]:
    responses = problem_responses(401, 404, 422, 429, 502, 503, 504)
    for status, description in _UPSTREAM_DOCS.items():
        responses[status]["description"] = description
    responses[503]["headers"] = {
        "Retry-After": {
            "description": "Seconds until the breaker admits a call, or the wait the model server asked for.",
            "schema": {"type": "integer"},
        }
    }
    return responses


def _problem(error: UpstreamError) -> ProblemError:
    if isinstance(error, UpstreamUnavailableError):
        retry_after = max(1, math.ceil(error.retry_after_s))
        return ProblemError(
            503,
            "Service Unavailable",
            slug="upstream-unavailable",
            detail="The drafting service is temporarily unavailable. Retry later.",
            headers={"Retry-After": str(retry_after)},
        )
    if isinstance(error, UpstreamTimeoutError):
        return ProblemError(
            504, "Gateway Timeout", slug="upstream-timeout", detail="The drafting service did not answer in time."
        )
    return ProblemError(
        502, "Bad Gateway", slug="upstream-error", detail="The drafting service failed to produce a draft."
    )


@router.post("/{incident_id}/draft", operation_id="draftIncidentSummary", responses=_responses())
async def draft_incident_summary(incident: OwnedIncidentDep, model_server: ModelClientDep) -> DraftPublic:
    """Ask the model server for a summary of your incident (nothing is stored)."""
    correlation_id = current_correlation_id.get()
    try:
        draft = await model_server.draft(
            title=incident.title,
            description=incident.description,
            correlation_id=correlation_id,
            # Drafting has no side effects: the key marks the upstream call as safe to retry.
            idempotency_key=f"draft:{incident.id}:{correlation_id or 'none'}",
        )
    except UpstreamError as exc:
        raise _problem(exc) from None
    return DraftPublic(incident_id=incident.id, summary=draft.summary, model=draft.model)
