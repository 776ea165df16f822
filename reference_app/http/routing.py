"""The matched route's TEMPLATE (``/api/v1/incidents/{incident_id}``) for labels and logs.

Metrics and access logs label requests by template, never by raw path, so random paths
cannot create new label values (property 21). Read it AFTER the inner app ran: the router
writes the match into the scope it was handed.

Where the template lives (checked against Starlette 1.10 / FastAPI 0.165):

- Starlette's ``Router`` sets ``scope["route"]`` to the matched route (also on a 405
  partial match); ``route.path`` is relative to the router that holds it.
- FastAPI 0.165 keeps included routers as routers: for
  ``app.include_router(r, prefix="/api/v1")`` ``scope["route"].path`` is the router-local
  ``/incidents/{incident_id}``. The full template is in
  ``scope["fastapi"]["effective_route_context"].path_format``, read first when present.
- Under a ``Mount`` the inner route's path is relative to the mount; the mount's matched
  prefix is ``root_path`` minus ``app_root_path``.
- The deepest match is a ``Mount`` (a mounted non-router app): the mount's own
  ``path_format`` (``/static/{path}``), bounded like any template.
- Nothing matched (404, trailing-slash redirect, preflight answered by CORS): ``unmatched``.
"""

from __future__ import annotations

from starlette.routing import Mount
from starlette.types import Scope

#: The one label value for every request no route matched.
UNMATCHED_ROUTE = "unmatched"


def _fastapi_template(scope: Scope) -> str | None:
    fastapi_scope = scope.get("fastapi")
    if not isinstance(fastapi_scope, dict):
        return None
    context = fastapi_scope.get("effective_route_context")
    path_format = getattr(context, "path_format", None)
    return path_format if isinstance(path_format, str) and path_format else None


def _mount_prefix(scope: Scope) -> str:
    root_path = str(scope.get("root_path", "") or "")
    app_root_path = str(scope.get("app_root_path", "") or "")
    if app_root_path and root_path.startswith(app_root_path):
        return root_path[len(app_root_path) :]
    return root_path if "app_root_path" in scope else ""


def route_template(scope: Scope) -> str:
    """The template of the route that handled ``scope``, or ``UNMATCHED_ROUTE``.

    >>> route_template({"type": "http", "path": "/nope"})
    'unmatched'
    """
    route = scope.get("route")
    if route is None:
        return UNMATCHED_ROUTE
    template = _fastapi_template(scope)
    if template is not None:
        return template
    if isinstance(route, Mount):
        # The mount itself is the deepest match (a mounted non-router app, or a
        # sub-router that matched nothing): its own bounded template.
        return route.path_format
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED_ROUTE
    return _mount_prefix(scope) + path
