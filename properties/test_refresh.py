"""E6 over HTTP."""

from __future__ import annotations

import pytest

from properties.http.refresh import check_refresh_rotation
from properties.http.target import HttpTarget


@pytest.mark.property("E6", level="http")
def test_refresh_tokens_rotate_and_reuse_revokes_the_family(http: HttpTarget) -> None:
    if http.settings.refresh_path is None:
        pytest.skip("[properties] refresh_path is unset: the target has no refresh tokens")
    check_refresh_rotation(http)
