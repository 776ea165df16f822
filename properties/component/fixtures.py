"""Building components from ``[components]`` for the component properties."""

from __future__ import annotations

from typing import Any

from gauntlet.components.factories import build_component, factory_path
from gauntlet.config.model import GauntletConfig


def component(config: GauntletConfig, name: str, /, **kwargs: Any) -> Any:
    """The component ``name`` as configured (the reference app's by default)."""
    return build_component(name, config.components, **kwargs)


def describe(config: GauntletConfig, name: str) -> str:
    return factory_path(name, config.components)
