"""One run, end to end: services -> target -> suites -> run document -> verdict.

This is the flow of DESIGN.md "How a run flows"; the CLI renders its result.
"""

from __future__ import annotations

import json
import secrets
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from gauntlet import __version__
from gauntlet.config.model import GauntletConfig, SuiteName, reference_login
from gauntlet.gate import evaluate
from gauntlet.progress import Progress
from gauntlet.rundoc.meta import git_sha, host_fingerprint, new_run_id
from gauntlet.rundoc.model import RunDocument, RunMeta, SuiteResult, TargetInfo
from gauntlet.rundoc.store import point_latest, write_run_document
from gauntlet.suites import run_suite
from gauntlet.target import Target, external_target


def execute(
    config: GauntletConfig,
    suites: tuple[SuiteName, ...],
    progress: Progress,
    *,
    pytest_args: tuple[str, ...] = (),
) -> tuple[RunDocument, Path]:
    """Run ``suites`` against the configured target; returns the judged document and its directory.

    Raises GauntletError (exit 2) when the run cannot start: bad config, unreachable
    target, services that cannot be found or started.
    """
    started = datetime.now(UTC)
    run_id = new_run_id(started)
    run_dir = config.out_dir / run_id
    results: dict[str, SuiteResult] = {}
    with ExitStack() as stack:
        target, services_env = _start_target(config, progress, stack, run_dir)
        env = suite_environment(config, target, services_env)
        for name in suites:
            if getattr(config.gate, name) == "off":
                progress.line(f"suite {name}: off in [gate], skipped")
                continue
            with progress.phase(f"suite {name}"):
                result = run_suite(
                    name, run_dir, env=env, seed=config.seed,
                    workers=config.active_profile.workers, extra_args=pytest_args,
                    timeout_s=config.active_profile.suite_timeout_s,
                )  # fmt: skip
            progress.line(f"suite {name}: {result.status.value}")
            results[name] = result
    meta = RunMeta(
        run_id=run_id,
        tool_version=__version__,
        target=TargetInfo(url=target.url, kind=target.kind, openapi=target.openapi),
        git_sha=git_sha(config.root),
        host=host_fingerprint(),
        profile=config.profile,
        seed=config.seed,
        started_at=started,
        finished_at=datetime.now(UTC),
    )
    document = RunDocument(meta=meta, suites=results)
    document = document.model_copy(update={"verdict": evaluate(document, config.gate, suites)})
    write_run_document(run_dir, document)
    point_latest(config.out_dir, run_dir)
    return document, run_dir


def _start_target(
    config: GauntletConfig, progress: Progress, stack: ExitStack, run_dir: Path
) -> tuple[Target, dict[str, str]]:
    if config.target.url:
        # No progress lines here: an unreachable target is reported in exactly one line.
        return external_target(config.target), {}
    # Imported here: only the bundled target needs services and processes.
    from gauntlet.bundled import BundledApp
    from gauntlet.services.processes import ProcessGroup
    from gauntlet.services.session import ServiceSession

    session_id = secrets.token_hex(4)
    workdir = run_dir / "services"
    workdir.mkdir(parents=True, exist_ok=True)
    with progress.phase("finding or starting Redis and PostgreSQL"):
        session = stack.enter_context(
            ServiceSession(
                redis_url=config.services.redis_url,
                database_url=config.services.database_url,
                workdir=workdir,
                session_id=session_id,
                allow_install=config.services.allow_install,
                prefer_private=config.services.prefer_private,
            )
        )
    for line in session.describe():
        progress.line(line)
    processes = stack.enter_context(ProcessGroup())
    app = BundledApp(
        config.target,
        database_url=session.database_url,
        redis_url=session.redis_url,
        key_prefix=session.key_prefix,
        workdir=workdir,
        processes=processes,
    )
    with progress.phase("starting the reference app and its model server"):
        target = app.start()
    progress.line(f"reference app at {target.url}")
    # Suites get the servers, not the run's database: each pytest session makes its own.
    return target, {"GAUNTLET_REDIS_URL": session.redis.url, "GAUNTLET_DATABASE_URL": session.postgres.url}


def suite_environment(config: GauntletConfig, target: Target, services_env: dict[str, str]) -> dict[str, str]:
    """What a suite's pytest process needs to reach the same target and services."""
    headers = [f"{name}: {value}" for name, value in target.headers.items()]
    extra: dict[str, str] = {}
    if target.kind == "bundled":
        # The suites reach the bundled app by its URL; they are told it is ours, so the
        # fault-injecting properties start private copies of it, as under plain pytest.
        extra["GAUNTLET_TARGET__BUNDLED"] = "true"
        if target.log_file and not config.properties.log_file:
            extra["GAUNTLET_PROPERTIES__LOG_FILE"] = target.log_file  # property 30 (http)
        if config.contract.login is None:
            # Fuzz as a signed-in user: anonymous, every protected operation only answers 401.
            extra["GAUNTLET_CONTRACT__LOGIN"] = reference_login().model_dump_json()
        if not config.properties.cors_allowed_origins:
            from gauntlet.bundled import allowed_origins

            if origins := allowed_origins(config.target):  # property E3's allowed half
                extra["GAUNTLET_PROPERTIES__CORS_ALLOWED_ORIGINS"] = json.dumps(list(origins))
    return {
        "GAUNTLET_PROFILE": config.profile,
        "GAUNTLET_SEED": str(config.seed),
        "GAUNTLET_TARGET": target.url,
        "GAUNTLET_OPENAPI": target.openapi,
        "GAUNTLET_HEADERS": json.dumps(headers),
        "HYPOTHESIS_PROFILE": config.profile,
        **services_env,
        **extra,
    }
