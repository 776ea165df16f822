"""``gauntlet`` command: gate | run SUITE... | serve | services status|up|down|check | report.

Exit codes: 0 pass, 1 gate failed, 2 could not run (bad configuration, unreachable
target, missing services). Errors print one line on stderr.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gauntlet.cli.options import config_options, flags_from, target_options
from gauntlet.config import SUITE_NAMES, GauntletConfig, load_config
from gauntlet.config.model import SuiteName
from gauntlet.errors import GauntletError
from gauntlet.progress import Progress
from gauntlet.rundoc.model import RunDocument

T = TypeVar("T")


def _guarded(action: Callable[[], T]) -> T:
    """Run ``action``; a GauntletError becomes one line on stderr and exit code 2."""
    try:
        return action()
    except GauntletError as exc:
        click.echo(f"gauntlet: error: {exc}", err=True)
        sys.exit(exc.exit_code)


def _config(params: dict[str, Any]) -> GauntletConfig:
    config, _ = load_config(environ=os.environ, flags=flags_from(params), config_file=params.get("config_file"))
    return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backend-gauntlet")
def cli() -> None:
    """Gauntlet: properties, contract fuzzing, load, chaos and security in one verdict."""


@cli.command()
@config_options
@target_options
def gate(**params: Any) -> None:
    """Run every suite of the profile and judge the result (exit 0 pass / 1 fail / 2 could not run)."""
    config = _guarded(lambda: _config(params))
    _run_and_judge(config, config.active_profile.suites, ())


@cli.command("run")
@click.argument("suites", nargs=-1, required=True, type=click.Choice(SUITE_NAMES))
@config_options
@target_options
@click.option(
    "--pytest-arg", "pytest_args", multiple=True, help="Extra argument for pytest (repeatable), e.g. -k 'property_4'."
)
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="ID[,ID]",
    help="Only these properties (and their failure proofs), e.g. --property 6 --property E1 (repeatable).",
)
@click.option(
    "--level", type=click.Choice(["component", "http"]), default=None, help="Only property tests of this level."
)
def run_command(
    suites: tuple[SuiteName, ...],
    pytest_args: tuple[str, ...],
    properties: tuple[str, ...],
    level: str | None,
    **params: Any,
) -> None:
    """Run the named suites only, then judge them like the gate does."""
    config = _guarded(lambda: _config(params))
    selection = tuple(f"--property={p}" for p in properties) + ((f"--property-level={level}",) if level else ())
    _run_and_judge(config, suites, selection + pytest_args)


def _run_and_judge(config: GauntletConfig, suites: tuple[SuiteName, ...], pytest_args: tuple[str, ...]) -> None:
    from gauntlet.run import execute
    from gauntlet.services.processes import install_signal_handlers

    install_signal_handlers()
    progress = Progress()
    document, run_dir = _guarded(lambda: execute(config, suites, progress, pytest_args=pytest_args))
    written = _guarded(lambda: _render(run_dir))
    _print_verdict(document, run_dir, written)
    assert document.verdict is not None  # execute() always judges
    sys.exit(document.verdict.exit_code)


def _render(run_dir: Path) -> list[Path]:
    # reports/ reads run documents only; the CLI is the one place that asks it to render.
    from reports.render import render_run

    return render_run(run_dir)


def _print_verdict(document: RunDocument, run_dir: Path, written: list[Path]) -> None:
    verdict = document.verdict
    assert verdict is not None
    word = {0: "PASS", 1: "FAIL", 2: "COULD NOT RUN"}[verdict.exit_code]
    for reason in verdict.reasons:
        click.echo(f"  [{reason.level}] {reason.rule}: {reason.message}")
    click.echo(f"reports: {run_dir}/ ({', '.join(p.name for p in written)})")
    click.echo(f"verdict: {word} (exit {verdict.exit_code})")


@cli.command()
@click.argument("run_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
def report(run_dir: Path) -> None:
    """Re-render report.md and junit.xml of RUN_DIR from its report.json alone."""
    written = _guarded(lambda: _render(run_dir))
    for path in written:
        click.echo(str(path))


@cli.command()
@config_options
@click.option("--port", type=int, default=8000, show_default=True, help="Port of the reference app.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="App processes on the one port, sharing Redis and PostgreSQL (migrations and demo data once).",
)
def serve(port: int, workers: int, **params: Any) -> None:
    """Start the reference app + model server with Redis and PostgreSQL; Ctrl-C stops all of it."""
    from gauntlet.cli.serve import serve_forever

    config = _guarded(lambda: _config(params))
    _guarded(lambda: serve_forever(config, port, Progress(), workers=workers))


@cli.group()
def services() -> None:
    """Redis and PostgreSQL: what would be used, and private instances for development."""


@services.command("check")
@config_options
@click.option(
    "--need-binaries",
    is_flag=True,
    help="Also require local server binaries (the test suite starts private instances).",
)
def services_check(need_binaries: bool, **params: Any) -> None:
    """Make sure Redis and PostgreSQL can be had: answering, or their binaries installed."""
    from gauntlet.cli.services import check

    config = _guarded(lambda: _config(params))
    _guarded(lambda: check(config, Progress(), need_binaries=need_binaries))


@services.command("status")
@config_options
def services_status(**params: Any) -> None:
    """Show what resolution would pick now and the private instances `up` started."""
    from gauntlet.cli.services import status

    config = _guarded(lambda: _config(params))
    _guarded(lambda: status(config))


@services.command("up")
@config_options
def services_up(**params: Any) -> None:
    """Start private Redis and PostgreSQL that outlive the command; prints env exports."""
    from gauntlet.cli.services import up

    config = _guarded(lambda: _config(params))
    _guarded(lambda: up(config))


@services.command("down")
@config_options
def services_down(**params: Any) -> None:
    """Stop what `services up` started."""
    from gauntlet.cli.services import down

    config = _guarded(lambda: _config(params))
    _guarded(lambda: down(config))


def main() -> None:
    cli()
