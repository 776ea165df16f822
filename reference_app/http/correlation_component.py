"""The correlation id middleware as a component (property 32, component level).

``build()`` (the default ``[components] correlation``) wraps any ASGI app in the app's own
``CorrelationIdMiddleware``; ``outgoing_headers`` is what the app's upstream client sends
for the request (``X-Request-ID``: the request's accepted or generated id).

>>> ids = build()
>>> app = ids.wrap(inner_app)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp

from reference_app.http.correlation import CorrelationIdMiddleware


class CorrelationComponent:
    def wrap(self, app: ASGIApp) -> ASGIApp:
        return CorrelationIdMiddleware(app)

    def outgoing_headers(self, scope: Mapping[str, Any]) -> Mapping[str, str]:
        correlation_id = scope.get("state", {}).get("correlation_id")
        return {"X-Request-ID": correlation_id} if correlation_id else {}


def build() -> CorrelationComponent:
    return CorrelationComponent()
