"""E8 fails when invalid input crashes the server."""

from __future__ import annotations

import pytest

from properties.http.malformed import check_no_server_errors
from tests.properties.asgi import RewriteResponse

TRACEBACK = b'Traceback (most recent call last):\n  File "/app/handlers.py", line 12, in parse\nValueError: bad input'


def _crash_on_invalid_input(app):
    """Validation is missing: what the framework rejected now blows up in the handler."""

    def rewrite(scope, answer) -> None:
        if answer.status == 422:
            answer.status = 500
            answer.drop_header("content-encoding")
            answer.body = TRACEBACK

    return RewriteResponse(app, rewrite)


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_no_server_errors(http)


@pytest.mark.mutant("E8")
def test_no_server_errors_fails_when_invalid_input_crashes(open_target):
    with open_target(_crash_on_invalid_input) as http, pytest.raises(AssertionError, match="answered 500"):
        check_no_server_errors(http)
