"""Configuration errors that name the key, the wrong value, where it came from, and a fix."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from gauntlet.errors import ConfigError

if TYPE_CHECKING:
    from gauntlet.config.loader import ConfigSource


def config_error_from_validation(exc: ValidationError, source: ConfigSource) -> ConfigError:
    from gauntlet.config.model import GauntletConfig

    lines = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        key = ".".join(loc) or "(top level)"
        value = error.get("input")
        origin = source.origin_of(loc)
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(GauntletConfig, loc[:-1])
            lines.append(f"unknown key {key} (from {origin}); valid keys here: {', '.join(allowed)}")
            continue
        # List positions ("phases.0") are not fields: look the example up on the list itself.
        example = _example_for(GauntletConfig, tuple(part for part in loc if not part.isdigit()))
        field_name = next((part for part in reversed(loc) if not part.isdigit()), key)
        hint = f"; example: {field_name} = {example}" if example is not None else ""
        lines.append(f"invalid value for {key} = {_short(value)} (from {origin}): {error['msg']}{hint}")
    return ConfigError("; ".join(lines))


def unknown_profile_error(name: str, valid: list[str], origin: str) -> ConfigError:
    return ConfigError(
        f"invalid value for profile = {name!r} (from {origin}): valid values are "
        f"{', '.join(valid)}; example: GAUNTLET_PROFILE=ci, or add [profiles.{name}] to gauntlet.toml"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _field_model(model: type[BaseModel], loc: tuple[str, ...]) -> tuple[type[BaseModel] | None, str | None]:
    """Walk ``loc`` through nested models; return the model holding the last key and the key."""
    current: type[BaseModel] | None = model
    for index, part in enumerate(loc):
        if current is None or part not in current.model_fields:
            return None, None
        if index == len(loc) - 1:
            return current, part
        annotation = current.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        elif part == "profiles" and index + 2 < len(loc) + 1:
            from gauntlet.config.model import ProfileSettings

            # profiles.<name>.<key>: skip the free-form profile name
            return _field_model(ProfileSettings, loc[index + 2 :])
        else:
            return None, None
    return None, None


def _example_for(model: type[BaseModel], loc: tuple[str, ...]) -> str | None:
    holder, key = _field_model(model, loc)
    if holder is None or key is None:
        return None
    examples = holder.model_fields[key].examples
    if not examples:
        return None
    example = examples[0]
    return (
        f'"{example}"' if isinstance(example, str) else repr(example).replace("True", "true").replace("False", "false")
    )


def _allowed_keys(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    if not loc:
        return sorted(name for name in model.model_fields if name != "root")
    holder, key = _field_model(model, loc)
    if holder is not None and key is not None:
        annotation = holder.model_fields[key].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return sorted(annotation.model_fields)
    if len(loc) == 2 and loc[0] == "profiles":
        from gauntlet.config.model import ProfileSettings

        return sorted(ProfileSettings.model_fields)
    return []
