"""E3 fails when any origin is granted."""

from __future__ import annotations

import pytest

from properties.http.cors import check_cors_is_restricted
from tests.properties.asgi import RewriteResponse, request_header


def _reflect_any_origin(app):
    def rewrite(scope, answer) -> None:
        origin = request_header(scope, "origin")
        if origin is not None:
            answer.set_header("access-control-allow-origin", origin)
            answer.set_header("access-control-allow-credentials", "true")

    return RewriteResponse(app, rewrite)


def _wildcard_with_credentials(app):
    def rewrite(scope, answer) -> None:
        if answer.header("access-control-allow-origin"):
            answer.set_header("access-control-allow-origin", "*")

    return RewriteResponse(app, rewrite)


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        assert http.settings.cors_allowed_origins, "the allowed-origin half must run here"
        check_cors_is_restricted(http)


@pytest.mark.mutant("E3")
@pytest.mark.parametrize("mutant", [_reflect_any_origin, _wildcard_with_credentials])
def test_cors_fails_on_a_mutant(open_target, mutant):
    with open_target(mutant) as http, pytest.raises(AssertionError):
        check_cors_is_restricted(http)
