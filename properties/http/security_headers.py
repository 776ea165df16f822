"""E2: every response, errors and 404s included, carries the security headers and no banner."""

from __future__ import annotations

import httpx
from hypothesis import given

from properties.http.budget import over_http
from properties.http.probes import Probe, any_probes, send
from properties.http.target import HttpTarget

#: Response headers that announce the server software or its version.
BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-runtime")


def security_header_problems(response: httpx.Response, required: tuple[str, ...]) -> list[str]:
    problems = [f"missing {name}" for name in required if not response.headers.get(name, "").strip()]
    problems += [f"banner {name}: {response.headers[name]}" for name in BANNER_HEADERS if name in response.headers]
    if response.headers.get("x-content-type-options", "nosniff").lower() != "nosniff":
        problems.append(f"X-Content-Type-Options is {response.headers['x-content-type-options']!r}, not nosniff")
    hsts = response.headers.get("strict-transport-security")
    if hsts is not None and "max-age=" not in hsts.lower():
        problems.append(f"Strict-Transport-Security {hsts!r} has no max-age")
    return problems


def check_security_headers(http: HttpTarget) -> None:
    """Any documented or random request: the configured headers present, no banner."""
    required = http.settings.security_headers

    @over_http()
    @given(probe=any_probes(http.api))
    def every_response_carries_security_headers(probe: Probe) -> None:
        response = send(http, probe)
        problems = security_header_problems(response, required)
        assert not problems, f"{probe.method} {probe.path} answered {response.status_code}: {'; '.join(problems)}"

    every_response_carries_security_headers()
