"""The compatibility kit: ``[components]`` plugs an independent implementation into a
component property, by configuration only."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.config import load_config
from gauntlet.errors import ConfigError
from properties.component.fixtures import component, describe
from properties.component.redaction import check_redaction
from tests.properties.independent_redactor import IndependentRedactor


def _config(tmp_path: Path, toml: str):
    (tmp_path / "gauntlet.toml").write_text(toml, encoding="utf-8")
    loaded, _ = load_config(cwd=tmp_path, environ={}, flags={})
    return loaded


def test_an_independent_redactor_is_plugged_by_configuration(tmp_path):
    config = _config(tmp_path, '[components]\nredactor = "tests.properties.independent_redactor:build"\n')
    redactor = component(config, "redactor")
    assert isinstance(redactor, IndependentRedactor)
    assert describe(config, "redactor") == "tests.properties.independent_redactor:build"
    check_redaction(redactor)


def test_a_component_missing_a_protocol_member_is_refused(tmp_path):
    config = _config(tmp_path, '[components]\nredactor = "builtins:object"\n')
    with pytest.raises(ConfigError, match="does not satisfy Redactor"):
        component(config, "redactor")


def test_every_default_component_of_this_slice_builds(tmp_path):
    config = _config(tmp_path, "")
    for name in ("redactor", "logging", "migrations"):
        assert component(config, name) is not None
