"""Running a suite: each suite is a pytest session in its own process.

A separate process keeps suites from sharing global state (Schemathesis registers its
checks globally; locust must never be imported next to asyncio) and lets the gate
survive a suite that crashes. The suite writes ``results/<suite>.json`` through the
pytest plugin; when it could not (crash, usage error), the gate writes an ``error``
result itself, so a missing result never reads as a pass.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from gauntlet.rundoc.model import SuiteResult, SuiteStatus
from gauntlet.rundoc.store import RESULTS_DIR, write_suite_result

#: Seconds a suite stopped for its time limit gets to clean up before it is killed.
STOP_GRACE_S = 30.0
#: pytest's own exit codes (pytest.ExitCode), which mean "the suite itself could not run".
PYTEST_COULD_NOT_RUN = {2: "interrupted", 3: "internal error", 4: "usage error"}


def suite_directory(name: str) -> Path | None:
    """Where the suite's package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def has_tests(directory: Path) -> bool:
    return any(directory.rglob("test_*.py"))


def run_suite(
    name: str,
    run_dir: Path,
    *,
    env: Mapping[str, str],
    seed: int,
    workers: int = 0,
    extra_args: tuple[str, ...] = (),
    log_dir: Path | None = None,
    timeout_s: float | None = None,
) -> SuiteResult:
    """Run suite ``name`` as ``python -m pytest <dir>``; returns what it recorded.

    A suite still running after ``timeout_s`` (the profile's ``suite_timeout_s``) is
    stopped (SIGINT: pytest tears its fixtures down, stopping what they started; then
    SIGKILL) and recorded as an error.
    """
    started = datetime.now(UTC)
    directory = suite_directory(name)
    if directory is None or not has_tests(directory):
        result = SuiteResult(
            name=name, status=SuiteStatus.NOT_RUN, started_at=started, finished_at=started, error="no tests yet"
        )
        write_suite_result(run_dir, result)
        return result
    command = [
        sys.executable, "-m", "pytest", str(directory),
        "-p", "gauntlet.pytest_plugin",
        f"--gauntlet-run-dir={run_dir}", f"--gauntlet-suite={name}",
        f"--hypothesis-seed={seed}", "-q",
    ]  # fmt: skip
    if workers > 0:
        command += ["-n", str(workers)]
    command += list(extra_args)
    log_dir = log_dir or run_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    result_path = run_dir / RESULTS_DIR / f"{name}.json"
    result_path.unlink(missing_ok=True)
    with open(log_dir / f"{name}.log", "wb") as log:
        returncode = _run_bounded(command, env={**os.environ, **env}, log=log, timeout_s=timeout_s)
    log_hint = f"see {log_dir / (name + '.log')}"
    if returncode is None:
        stopped = f"stopped after {timeout_s:g} s, the profile's suite_timeout_s"
        return _error(name, run_dir, started, f"{stopped}; {log_hint}")
    if returncode in PYTEST_COULD_NOT_RUN or not result_path.is_file():
        reason = PYTEST_COULD_NOT_RUN.get(returncode, f"exit status {returncode}")
        return _error(name, run_dir, started, f"pytest {reason}; {log_hint}")
    return SuiteResult.model_validate_json(result_path.read_text(encoding="utf-8"))


def _error(name: str, run_dir: Path, started: datetime, message: str) -> SuiteResult:
    """The suite could not run to the end: recorded by the gate itself, so it never reads as a pass."""
    result = SuiteResult(
        name=name, status=SuiteStatus.ERROR, started_at=started, finished_at=datetime.now(UTC), error=message
    )
    write_suite_result(run_dir, result)
    return result


def _run_bounded(command: list[str], *, env: Mapping[str, str], log: BinaryIO, timeout_s: float | None) -> int | None:
    """The command's exit status, or None when it outlived ``timeout_s`` and was stopped."""
    process = subprocess.Popen(command, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
    try:
        return process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return None
    except BaseException:
        process.kill()
        process.wait()
        raise
