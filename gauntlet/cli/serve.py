"""``gauntlet serve``: the reference app with everything it needs, in the foreground."""

from __future__ import annotations

import secrets
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import click

from gauntlet.bundled import BundledApp
from gauntlet.config import GauntletConfig
from gauntlet.errors import GauntletError
from gauntlet.progress import Progress
from gauntlet.services.processes import ProcessGroup, install_signal_handlers
from gauntlet.services.session import ServiceSession

#: How often serve checks that the app and model server are still alive.
WATCH_INTERVAL_S = 1.0


def serve_forever(config: GauntletConfig, port: int, progress: Progress, *, workers: int = 1) -> None:
    """Start services, model server and app; block until Ctrl-C/SIGTERM; stop all of it."""
    install_signal_handlers()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gauntlet-serve-")))
        with progress.phase("finding or starting Redis and PostgreSQL"):
            session = stack.enter_context(
                ServiceSession(
                    redis_url=config.services.redis_url,
                    database_url=config.services.database_url,
                    workdir=workdir,
                    session_id=secrets.token_hex(4),
                    allow_install=config.services.allow_install,
                    prefer_private=config.services.prefer_private,
                )
            )
        processes = stack.enter_context(ProcessGroup())
        app = BundledApp(
            config.target,
            database_url=session.database_url,
            redis_url=session.redis_url,
            key_prefix=session.key_prefix,
            workdir=workdir,
            processes=processes,
            port=port,
            workers=workers,
        )
        with progress.phase("starting the reference app and its model server"):
            target = app.start()
        demo = app.seed_demo()
        click.echo(f"reference app:  {target.url}   (docs {target.url}/docs, metrics {target.url}/metrics)")
        click.echo(f"app workers:    {workers} process{'es' if workers > 1 else ''} sharing Redis and PostgreSQL")
        click.echo(f"model server:   {app.model_server_url}")
        click.echo(f"redis:          {session.redis_url} (key prefix {session.key_prefix})")
        click.echo(f"postgresql:     {session.database_url}")
        click.echo(f"demo user:      {demo.get('username')} / {demo.get('password')}")
        for tier, key in sorted(demo.get("api_keys", {}).items()):
            click.echo(f"demo API key ({tier}): {key}")
        click.echo(f"logs:           {workdir}")
        click.echo("Ctrl-C stops everything started here.")
        try:
            while all(p.alive() for p in processes.processes):
                time.sleep(WATCH_INTERVAL_S)
        except KeyboardInterrupt:
            progress.line("stopping")
            return
        dead = next(p for p in processes.processes if not p.alive())
        raise GauntletError(f"{dead.name} exited unexpectedly: {dead.log_tail(5).strip()}")
