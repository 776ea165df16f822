"""Facts about the run that every report shows: host fingerprint, git SHA, run id."""

from __future__ import annotations

import platform
import secrets
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import psutil

from gauntlet.rundoc.model import HostFingerprint


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261122T041502Z-3fa9``."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def host_fingerprint() -> HostFingerprint:
    return HostFingerprint(
        hostname=socket.gethostname(),
        platform=platform.platform(),
        python=platform.python_version(),
        cpu_count=psutil.cpu_count() or 1,
        cpu_model=_cpu_model(),
        memory_bytes=psutil.virtual_memory().total,
    )


def git_sha(cwd: Path) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    sha = completed.stdout.strip()
    return sha if completed.returncode == 0 and sha else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
