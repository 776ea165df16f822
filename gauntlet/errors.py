"""Gauntlet's exceptions.

    GauntletError            anything that means "could not run" (exit code 2)
    ├── ConfigError          a bad key or value in gauntlet.toml, GAUNTLET_* env or a flag
    ├── TargetUnreachable    the service under test does not answer
    └── ServiceUnavailable   Redis/PostgreSQL could not be found, started or installed

A failed gate is not an exception: it is a verdict (exit code 1).
"""


class GauntletError(Exception):
    """Root of Gauntlet's errors; the CLI prints the message on one line and exits 2."""

    exit_code = 2


class ConfigError(GauntletError):
    """Invalid configuration: the message names the key, the value and a valid example."""


class TargetUnreachable(GauntletError):
    """The target URL does not answer."""


class ServiceUnavailable(GauntletError):
    """A backing service (Redis, PostgreSQL) is missing or does not start."""
