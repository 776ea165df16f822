from __future__ import annotations

from starlette.routing import Mount, Route

from reference_app.http.routing import UNMATCHED_ROUTE, route_template


async def endpoint(request):  # pragma: no cover - never called
    raise NotImplementedError


def test_no_route_is_unmatched():
    assert route_template({"type": "http", "path": "/x"}) == UNMATCHED_ROUTE


def test_a_plain_route_gives_its_path():
    assert route_template({"route": Route("/items/{item_id}", endpoint)}) == "/items/{item_id}"


def test_a_route_under_a_mount_gets_the_mount_prefix():
    scope = {"route": Route("/items/{item_id}", endpoint), "app_root_path": "/proxy", "root_path": "/proxy/v2"}
    assert route_template(scope) == "/v2/items/{item_id}"


def test_a_proxy_root_path_alone_is_not_a_prefix():
    scope = {"route": Route("/items", endpoint), "root_path": "/proxy"}
    assert route_template(scope) == "/items"


def test_a_mount_as_deepest_match_gives_its_own_template():
    assert route_template({"route": Mount("/static", app=endpoint)}) == "/static/{path}"


def test_an_object_without_a_path_is_unmatched():
    assert route_template({"route": object()}) == UNMATCHED_ROUTE
