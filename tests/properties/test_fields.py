"""15 fails when ``fields`` is ignored."""

from __future__ import annotations

import pytest

from properties.http.fields import check_field_filtering
from tests.properties.asgi import RewriteRequest, query, with_query


def _ignore_fields(app):
    def rewrite(scope):
        pairs = query(scope)
        # Unknown names are still refused: only valid selections are ignored.
        if scope["path"] == "/api/v1/incidents" and all(
            name in ["id", "owner_id", "title", "description", "status", "severity", "created_at", "updated_at"]
            for key, value in pairs if key == "fields" for name in value.split(",")
        ):  # fmt: skip
            pairs = [(k, v) for k, v in pairs if k != "fields"]
        return with_query(scope, pairs)

    return RewriteRequest(app, rewrite)


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_field_filtering(http)


@pytest.mark.mutant(15)
def test_field_filtering_fails_when_fields_is_ignored(open_target):
    with open_target(_ignore_fields) as http, pytest.raises(AssertionError, match="served"):
        check_field_filtering(http)
