"""E6 fails without reuse detection."""

from __future__ import annotations

import pytest

from properties.http.refresh import check_refresh_rotation
from reference_app.api import auth as auth_routes
from reference_app.auth import sessions
from reference_app.auth.tokens import decode_token
from reference_app.db.models import Tier


async def _rotate_without_reuse_detection(settings, session, refresh_token):
    """Any validly signed refresh token buys a new pair, however often it is used."""
    claims = decode_token(settings, refresh_token, kind="refresh")
    return await sessions._issue_pair(
        settings, session, user_id=claims.user_id, tier=Tier(claims.tier), family_id=claims.family_id
    )


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_refresh_rotation(http)


@pytest.mark.mutant("E6")
def test_refresh_rotation_fails_without_reuse_detection(open_target, monkeypatch):
    monkeypatch.setattr(auth_routes, "rotate_session", _rotate_without_reuse_detection)
    with open_target() as http, pytest.raises(AssertionError, match=r"spent|still works"):
        check_refresh_rotation(http)
