"""Options shared by the commands that pick a target and a profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def config_options(func: F) -> F:
    """``--config --profile --seed --out-dir``: every command that reads configuration."""
    decorators = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="gauntlet.toml to read (default: found upwards from the working directory).",
        ),
        click.option("--profile", help="Profile name from [profiles] (built in: ci, full)."),
        click.option("--seed", type=int, help="Seed for every generator (Hypothesis, Schemathesis, load mixes)."),
        click.option(
            "--out-dir", type=click.Path(path_type=Path), help="Where run directories go (default reports/out)."
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def target_options(func: F) -> F:
    """``--target --openapi --header --token-command``: commands that talk to a service."""
    decorators = [
        click.option("--target", help="Base URL of the service under test (default: start the bundled reference app)."),
        click.option("--openapi", help="OpenAPI document URL or path (default: <target>/openapi.json)."),
        click.option(
            "--header", "headers", multiple=True, help="Header for every request, 'Name: value' (repeatable)."
        ),
        click.option("--token-command", help="Command printing a bearer token (sent as Authorization: Bearer ...)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def flags_from(params: dict[str, Any]) -> dict[tuple[str, ...], Any]:
    """Map click parameters to configuration key paths (unset flags stay None)."""
    return {
        ("profile",): params.get("profile"),
        ("seed",): params.get("seed"),
        ("reports", "out_dir"): str(params["out_dir"]) if params.get("out_dir") else None,
        ("target", "url"): params.get("target"),
        ("target", "openapi"): params.get("openapi"),
        ("target", "headers"): list(params.get("headers") or ()) or None,
        ("target", "token_command"): params.get("token_command"),
    }
