"""Property 35 (component): the configured Redactor."""

from __future__ import annotations

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.redaction import check_redaction


@pytest.mark.property(35, level="component")
def test_planted_secrets_never_reach_the_output(gauntlet_config: GauntletConfig) -> None:
    check_redaction(component(gauntlet_config, "redactor"))
