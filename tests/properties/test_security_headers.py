"""E2 fails when a response lacks a security header or announces the server."""

from __future__ import annotations

import pytest

from properties.http.security_headers import check_security_headers
from tests.properties.asgi import Answer, RewriteResponse


def _strip_hsts_from_errors(app):
    def rewrite(scope, answer: Answer) -> None:
        if answer.status >= 400:
            answer.drop_header("strict-transport-security")

    return RewriteResponse(app, rewrite)


def _server_banner(app):
    return RewriteResponse(app, lambda scope, answer: answer.set_header("server", "uvicorn/0.30"))


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_security_headers(http)


@pytest.mark.mutant("E2")
@pytest.mark.parametrize("mutant", [_strip_hsts_from_errors, _server_banner])
def test_security_headers_fail_on_a_mutant(open_target, mutant):
    with open_target(mutant) as http, pytest.raises(AssertionError):
        check_security_headers(http)
