"""Configuration: gauntlet.toml, then GAUNTLET_* environment, then command-line flags."""

from gauntlet.config.loader import CONFIG_FILE_NAME, ConfigSource, find_config_file, load_config
from gauntlet.config.model import (
    SUITE_NAMES,
    ContractSettings,
    GateSettings,
    GauntletConfig,
    ProfileSettings,
    ReportsSettings,
    ServicesSettings,
    TargetSettings,
)

__all__ = [
    "CONFIG_FILE_NAME",
    "SUITE_NAMES",
    "ConfigSource",
    "ContractSettings",
    "GateSettings",
    "GauntletConfig",
    "ProfileSettings",
    "ReportsSettings",
    "ServicesSettings",
    "TargetSettings",
    "find_config_file",
    "load_config",
]
