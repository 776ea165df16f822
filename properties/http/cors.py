"""E3: origins off the allow-list get no CORS grant; allowed ones get exactly their own."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

hosts = st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,10}){0,2}\.(com|org|test|example)", fullmatch=True)
random_origins = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}{port}",
    st.sampled_from(["http", "https"]),
    hosts,
    st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")),
)


def near_misses(allowed: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Origins that look like an allowed one but are not: another scheme, port, sub- or super-domain."""
    if not allowed:
        return st.nothing()

    def variants(origin: str) -> list[str]:
        scheme, _, host = origin.partition("://")
        other = "http" if scheme == "https" else "https"
        return [f"{other}://{host}", f"{origin}:8443", f"{scheme}://evil.{host}", f"{origin}.evil.com",
                f"{scheme}://{host}x", f"{origin}/"]  # fmt: skip

    return st.sampled_from(allowed).flatmap(lambda origin: st.sampled_from(variants(origin)))


def cors_grant(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-allow-")}


def _preflight(http: HttpTarget, path: str, origin: str) -> httpx.Response:
    return http.call("OPTIONS", path, auth=False, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    })  # fmt: skip


def _paths(http: HttpTarget) -> list[str]:
    operations: list[Operation] = http.api.list_operations(http.settings)
    gets = [op.path for op in http.api.operations() if op.method == "GET" and not op.has_path_parameters]
    return [op.path for op in operations] or gets or ["/"]


def check_cors_is_restricted(http: HttpTarget) -> None:
    allowed = http.settings.cors_allowed_origins
    paths = _paths(http)
    refused = st.one_of(random_origins, st.just("null"), near_misses(allowed)).filter(lambda o: o not in allowed)

    @over_http()
    @given(origin=refused, path=st.sampled_from(paths), preflight=st.booleans())
    def other_origins_get_no_grant(origin: str, path: str, preflight: bool) -> None:
        response = _preflight(http, path, origin) if preflight else http.call("GET", path, headers={"Origin": origin})
        grant = cors_grant(response)
        assert not grant, (
            f"origin {origin!r} is not allowed, yet {'OPTIONS' if preflight else 'GET'} {path} granted {grant}"
        )

    other_origins_get_no_grant()
    if not allowed:
        return

    @over_http()
    @given(origin=st.sampled_from(allowed), path=st.sampled_from(paths), preflight=st.booleans())
    def allowed_origins_get_exactly_their_own(origin: str, path: str, preflight: bool) -> None:
        response = _preflight(http, path, origin) if preflight else http.call("GET", path, headers={"Origin": origin})
        grant = cors_grant(response)
        assert grant.get("access-control-allow-origin") == origin, f"allowed origin {origin!r} got {grant}"
        credentials = grant.get("access-control-allow-credentials", "").lower() == "true"
        assert not (credentials and grant.get("access-control-allow-origin") == "*"), "'*' with credentials"

    allowed_origins_get_exactly_their_own()
