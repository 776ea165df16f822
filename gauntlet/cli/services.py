"""``gauntlet services check|status|up|down``: Redis and PostgreSQL for people and CI."""

from __future__ import annotations

from pathlib import Path

import click

from gauntlet.config import GauntletConfig
from gauntlet.progress import Progress
from gauntlet.services.binaries import check_binaries
from gauntlet.services.resolve import preview_service
from gauntlet.services.state import format_exports, services_down, services_status, services_up
from gauntlet.services.types import ServiceName

#: Where `services up` records what it started, relative to the config root.
STATE_FILE = Path(".gauntlet") / "services.json"


def _state_file(config: GauntletConfig) -> Path:
    return config.root / STATE_FILE


def check(config: GauntletConfig, progress: Progress, *, need_binaries: bool = False) -> None:
    """Succeed when each service answers, or its binaries exist (installed if allowed).

    ``need_binaries``: the test suite starts private instances of its own (faults are
    only ever injected into those), so it needs the binaries even when servers answer.
    """
    urls: dict[ServiceName, str | None] = {
        "redis": config.services.redis_url,
        "postgres": config.services.database_url,
    }
    missing: list[ServiceName] = []
    for service, url in urls.items():
        preview = preview_service(service, url, allow_install=False, prefer_private=config.services.prefer_private)
        if preview.origin in ("configured", "local-default"):
            progress.line(f"{service}: {preview.origin} {preview.url} {preview.detail}")
            if preview.detail != "answers":
                from gauntlet.errors import ServiceUnavailable

                raise ServiceUnavailable(f"{service} at {preview.url} {preview.detail}")
        if need_binaries or preview.origin not in ("configured", "local-default", "container"):
            missing.append(service)
    if missing:
        with progress.phase(f"checking binaries for {', '.join(missing)}"):
            check_binaries(config.services.allow_install, missing)


def status(config: GauntletConfig) -> None:
    for line in services_status(
        _state_file(config),
        config.services.redis_url,
        config.services.database_url,
        allow_install=config.services.allow_install,
        prefer_private=config.services.prefer_private,
    ):
        click.echo(line)


def up(config: GauntletConfig) -> None:
    state_file = _state_file(config)
    env = services_up(state_file, state_file.parent / "services", allow_install=config.services.allow_install)
    click.echo(format_exports(env))
    click.echo(f"# started; stop with: gauntlet services down   (state: {state_file})", err=True)


def down(config: GauntletConfig) -> None:
    for line in services_down(_state_file(config)):
        click.echo(line)
