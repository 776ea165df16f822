"""Build the one :class:`GauntletConfig` from its three sources.

Precedence, lowest to highest: built-in defaults < ``gauntlet.toml`` (found by walking
up from the working directory, or named by ``--config``/``GAUNTLET_CONFIG``) <
``GAUNTLET_*`` environment variables < command-line flags.

Environment variables: the short names in :data:`ENV_ALIASES`, or
``GAUNTLET_<SECTION>__<KEY>`` for any other key (``GAUNTLET_GATE__LOAD=warn``).
An unknown ``GAUNTLET_*`` variable is an error, like an unknown key in the file:
a typo must never silently do nothing.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gauntlet.config.errors import config_error_from_validation, unknown_profile_error
from gauntlet.config.model import GauntletConfig
from gauntlet.errors import ConfigError

CONFIG_FILE_NAME = "gauntlet.toml"
ENV_PREFIX = "GAUNTLET_"

#: Short environment names for the keys people set most.
ENV_ALIASES: dict[str, tuple[str, ...]] = {
    "GAUNTLET_PROFILE": ("profile",),
    "GAUNTLET_SEED": ("seed",),
    "GAUNTLET_TARGET": ("target", "url"),
    "GAUNTLET_OPENAPI": ("target", "openapi"),
    "GAUNTLET_HEADERS": ("target", "headers"),
    "GAUNTLET_TOKEN_COMMAND": ("target", "token_command"),
    "GAUNTLET_REDIS_URL": ("services", "redis_url"),
    "GAUNTLET_DATABASE_URL": ("services", "database_url"),
    "GAUNTLET_OUT_DIR": ("reports", "out_dir"),
}
#: Variables that are read elsewhere, not keys of the configuration.
ENV_NOT_KEYS = frozenset({"GAUNTLET_CONFIG"})


@dataclass
class ConfigSource:
    """Where each key's value came from, for error messages ("env GAUNTLET_PROFILE")."""

    origins: dict[tuple[str, ...], str] = field(default_factory=dict)
    file: Path | None = None

    def origin_of(self, loc: tuple[str, ...]) -> str:
        for cut in range(len(loc), 0, -1):
            if loc[:cut] in self.origins:
                return self.origins[loc[:cut]]
        return "default"


def find_config_file(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[tuple[str, ...], Any] | None = None,
    config_file: Path | None = None,
) -> tuple[GauntletConfig, ConfigSource]:
    """Read, merge and validate the configuration.

    >>> config, _ = load_config(environ={"GAUNTLET_PROFILE": "full"})
    >>> config.active_profile.hypothesis_max_examples
    100

    ``flags`` maps key paths to values given on the command line; ``None`` values are
    ignored (flag not given). Raises :class:`ConfigError` naming key, value and a fix.
    """
    cwd = cwd or Path.cwd()
    env = dict(environ) if environ is not None else {}
    source = ConfigSource()
    merged: dict[str, Any] = {}

    path = config_file or (Path(env["GAUNTLET_CONFIG"]) if env.get("GAUNTLET_CONFIG") else None)
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {path} does not exist (given by --config or GAUNTLET_CONFIG)")
    path = path or find_config_file(cwd)
    if path is not None:
        source.file = path
        _merge(merged, _read_toml(path), source, f"{path}")
        merged.setdefault("root", str(path.parent))
    else:
        merged["root"] = str(cwd)

    _merge(merged, _env_layer(env), source, None)
    for loc, value in (flags or {}).items():
        if value is None or value == ():
            continue
        _set(merged, loc, value)
        source.origins[loc] = "flag --" + loc[-1].replace("_", "-")

    merged["profiles"] = _profiles_over_defaults(merged.get("profiles"))
    try:
        config = GauntletConfig.model_validate(merged)
    except ValidationError as exc:
        raise config_error_from_validation(exc, source) from None
    if config.profile not in config.profiles:
        raise unknown_profile_error(config.profile, sorted(config.profiles), source.origin_of(("profile",)))
    return config, source


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f'{path}: not valid TOML ({exc}). Example of a valid line: profile = "ci"') from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def _env_layer(env: Mapping[str, str]) -> dict[tuple[str, ...], Any]:
    layer: dict[tuple[str, ...], Any] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_KEYS:
            continue
        if name in ENV_ALIASES:
            loc = ENV_ALIASES[name]
        elif "__" in name:
            loc = tuple(part.lower() for part in name[len(ENV_PREFIX) :].split("__"))
        else:
            known = ", ".join(sorted(ENV_ALIASES))
            raise ConfigError(
                f"unknown environment variable {name}={raw!r}. Known: {known}, "
                f"or GAUNTLET_<SECTION>__<KEY> for any key (example: GAUNTLET_GATE__LOAD=warn)"
            )
        layer[loc] = _parse_env_value(raw)
    return layer


def _parse_env_value(raw: str) -> Any:
    # Lists and tables come as JSON ('["a", "b"]'); everything else stays a string and
    # pydantic converts it ("5" -> 5, "true" -> True) with its own error on failure.
    stripped = raw.strip()
    if stripped.startswith(("[", "{")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return raw
    return raw


def _merge(
    merged: dict[str, Any],
    layer: Mapping[Any, Any],
    source: ConfigSource,
    origin: str | None,
    prefix: tuple[str, ...] = (),
) -> None:
    for key, value in layer.items():
        if isinstance(key, tuple):  # an env layer: flat key paths
            _set(merged, key, value)
            env_name = next((n for n, loc in ENV_ALIASES.items() if loc == key), None)
            source.origins[key] = "env " + (env_name or ENV_PREFIX + "__".join(k.upper() for k in key))
            continue
        loc = (*prefix, key)
        if isinstance(value, dict) and key not in ("components",):
            merged.setdefault(key, {})
            if isinstance(merged[key], dict):
                _merge(merged[key], value, source, origin, loc)
                continue
        merged[key] = value
        if origin:
            source.origins[loc] = origin


def _set(merged: dict[str, Any], loc: tuple[str, ...], value: Any) -> None:
    node = merged
    for part in loc[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[loc[-1]] = value


def _profiles_over_defaults(given: Any) -> Any:
    """Keys set for a built-in profile override only those keys, not the whole profile."""
    defaults = {name: p.model_dump() for name, p in GauntletConfig().profiles.items()}
    if not isinstance(given, dict):
        return defaults if given is None else given
    for name, overrides in given.items():
        if isinstance(overrides, dict) and name in defaults:
            defaults[name] = {**defaults[name], **overrides}
        else:
            defaults[name] = overrides
    return defaults
