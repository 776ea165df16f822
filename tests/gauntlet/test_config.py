"""Configuration: precedence file < env < flags, and errors that name key, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.config import load_config
from gauntlet.errors import ConfigError


def write_toml(directory: Path, text: str) -> Path:
    path = directory / "gauntlet.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_source(tmp_path):
    config, source = load_config(cwd=tmp_path, environ={})
    assert config.profile == "ci"
    assert config.target.url is None
    assert source.file is None
    assert config.active_profile.hypothesis_max_examples < config.profiles["full"].hypothesis_max_examples
    assert config.profiles["full"].hypothesis_max_examples >= 100


def test_file_is_discovered_upwards_from_cwd(tmp_path):
    write_toml(tmp_path, 'profile = "full"\nseed = 7\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    config, source = load_config(cwd=nested, environ={})
    assert (config.profile, config.seed, source.file) == ("full", 7, tmp_path / "gauntlet.toml")
    assert config.root == tmp_path


def test_env_beats_file_and_flags_beat_env(tmp_path):
    write_toml(tmp_path, 'seed = 1\n[gate]\nload = "warn"\n')
    env = {"GAUNTLET_SEED": "2", "GAUNTLET_GATE__LOAD": "off"}
    config, _ = load_config(cwd=tmp_path, environ=env)
    assert (config.seed, config.gate.load) == (2, "off")
    config, source = load_config(cwd=tmp_path, environ=env, flags={("seed",): 3})
    assert config.seed == 3
    assert source.origin_of(("seed",)) == "flag --seed"


def test_unset_flags_do_not_override(tmp_path):
    config, _ = load_config(cwd=tmp_path, environ={"GAUNTLET_SEED": "9"}, flags={("seed",): None})
    assert config.seed == 9


def test_profile_keys_override_only_what_they_name(tmp_path):
    write_toml(tmp_path, "[profiles.ci]\nhypothesis_max_examples = 3\n[profiles.nightly]\nload_duration_s = 600\n")
    config, _ = load_config(cwd=tmp_path, environ={"GAUNTLET_PROFILE": "nightly"})
    assert config.profiles["ci"].hypothesis_max_examples == 3
    assert config.profiles["ci"].contract_max_examples == 10  # untouched built-in value
    assert config.profiles["ci"].hypothesis_derandomize is True  # the gate's examples stay fixed
    assert config.profiles["full"].hypothesis_derandomize is False
    assert config.active_profile.load_duration_s == 600


def test_unknown_profile_names_key_value_and_valid_values(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={"GAUNTLET_PROFILE": "nonsense"})
    message = str(caught.value)
    assert "profile" in message and "'nonsense'" in message
    assert "ci, full" in message and "GAUNTLET_PROFILE" in message


def test_unknown_key_in_file_lists_valid_keys(tmp_path):
    write_toml(tmp_path, '[gate]\nproperies = "fail"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={})
    message = str(caught.value)
    assert "unknown key gate.properies" in message
    assert "properties" in message and str(tmp_path / "gauntlet.toml") in message


def test_bad_value_names_key_value_source_and_example(tmp_path):
    write_toml(tmp_path, '[gate]\nload = "maybe"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={})
    message = str(caught.value)
    assert "gate.load = 'maybe'" in message
    assert "'fail', 'warn' or 'off'" in message
    assert 'example: load = "warn"' in message


def test_unknown_environment_variable_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="GAUNTLET_PROFLE"):
        load_config(cwd=tmp_path, environ={"GAUNTLET_PROFLE": "full"})


def test_target_url_must_be_http(tmp_path):
    with pytest.raises(ConfigError, match=r"target\.url = 'ftp://example\.com'.*example: url"):
        load_config(cwd=tmp_path, environ={"GAUNTLET_TARGET": "ftp://example.com"})


def test_invalid_toml_is_a_config_error(tmp_path):
    write_toml(tmp_path, "profile = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(cwd=tmp_path, environ={})


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(cwd=tmp_path, environ={}, config_file=tmp_path / "nope.toml")


def test_list_values_from_env_are_json(tmp_path):
    env = {"GAUNTLET_HEADERS": '["Authorization: Bearer abc", "X-Team: qa"]'}
    config, _ = load_config(cwd=tmp_path, environ=env)
    assert config.target.headers == ("Authorization: Bearer abc", "X-Team: qa")


def test_relative_out_dir_resolves_against_the_config_file(tmp_path):
    write_toml(tmp_path, '[reports]\nout_dir = "out"\n')
    nested = tmp_path / "sub"
    nested.mkdir()
    config, _ = load_config(cwd=nested, environ={})
    assert config.out_dir == tmp_path / "out"
