"""``/analytics``: per-user aggregates computed in SQL."""

from __future__ import annotations

import uuid
from collections import defaultdict

from fastapi import APIRouter, Response
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.api.caching import ANALYTICS, cached, mark_private
from reference_app.api.deps import CacheDep, PrincipalDep, SessionDep, SettingsDep
from reference_app.db.models import IncidentStatus
from reference_app.openapi import problem_responses
from reference_app.repositories.analytics import AnalyticsRepository
from reference_app.schemas.incidents import AnalyticsSummary, StatusCounts

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get(
    "/summary",
    operation_id="getAnalyticsSummary",
    responses=problem_responses(401, 429),
)
async def analytics_summary(
    *, principal: PrincipalDep, session: SessionDep, cache: CacheDep, settings: SettingsDep, response: Response
) -> AnalyticsSummary:
    """Your incidents counted per UTC day and status (days without incidents are omitted)."""

    async def fetch() -> str:
        return (await _summarise(session, principal.user_id)).model_dump_json()

    mark_private(response, settings.http.private_max_age_seconds)
    return AnalyticsSummary.model_validate_json(await cached(cache, ANALYTICS, principal.user_id, {}, fetch))


async def _summarise(session: AsyncSession, user_id: uuid.UUID) -> AnalyticsSummary:
    rows = await AnalyticsRepository(session).status_counts_per_day(user_id)
    per_day: dict[str, dict[IncidentStatus, int]] = defaultdict(dict)
    totals: dict[IncidentStatus, int] = dict.fromkeys(IncidentStatus, 0)
    for row in rows:
        per_day[row.day.isoformat()][row.status] = row.count
        totals[row.status] += row.count
    days = [StatusCounts(day=day, counts=counts, total=sum(counts.values())) for day, counts in sorted(per_day.items())]
    return AnalyticsSummary(days=days, totals=totals, total=sum(totals.values()))
