"""E8 over HTTP."""

from __future__ import annotations

import pytest

from gauntlet.config.model import GauntletConfig
from properties.http.malformed import check_no_server_errors
from properties.http.target import HttpTarget


@pytest.mark.property("E8", level="http")
def test_no_request_from_the_document_gets_a_server_error(http: HttpTarget, gauntlet_config: GauntletConfig) -> None:
    check_no_server_errors(http, exclude=gauntlet_config.contract.exclude_operations)
