"""16 fails without validators on cacheable GETs, or without no-store on mutations."""

from __future__ import annotations

import pytest

from properties.http.cache_headers import check_cacheable_responses, check_uncacheable_responses
from tests.properties.asgi import RewriteResponse


def _no_etag(app):
    def rewrite(scope, answer) -> None:
        if scope["method"] == "GET":
            answer.drop_header("etag")
            if answer.status == 304:  # what a server without validators answers
                answer.status = 200

    return RewriteResponse(app, rewrite)


def _stored_mutations(app):
    def rewrite(scope, answer) -> None:
        if scope["method"] in ("POST", "PATCH", "DELETE"):
            answer.set_header("cache-control", "max-age=60")

    return RewriteResponse(app, rewrite)


def test_both_hold_on_the_reference_app(open_target):
    with open_target() as http:
        check_cacheable_responses(http)
        check_uncacheable_responses(http)


@pytest.mark.mutant(16)
def test_cacheable_responses_fail_without_etags(open_target):
    with open_target(_no_etag) as http, pytest.raises(AssertionError, match=r"ETag|cacheable"):
        check_cacheable_responses(http)


@pytest.mark.mutant(16)
def test_uncacheable_responses_fail_when_mutations_are_stored(open_target):
    with open_target(_stored_mutations) as http, pytest.raises(AssertionError, match="Cache-Control"):
        check_uncacheable_responses(http)
