"""``gauntlet services up|down|status``: private servers that outlive the command.

``up`` starts a private redis-server and PostgreSQL cluster detached (own sessions, no
parent waiting on them), records them in a JSON state file and returns the environment
that points Gauntlet at them. ``down`` stops exactly what the file lists, after checking
with psutil that each pid is still the process we started (same executable name and start
time), so a reused pid is never signalled. ``status`` says what resolution would pick now
and what the state file lists.

Example::

    env = services_up(Path(".gauntlet/services.json"), Path(".gauntlet/services"))
    print(format_exports(env))   # export GAUNTLET_REDIS_URL=redis://127.0.0.1:41234/0 ...
    ...
    services_down(Path(".gauntlet/services.json"))
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.binaries import check_binaries
from gauntlet.services.pgroups import group_members, stop_group
from gauntlet.services.postgres import start_private_postgres
from gauntlet.services.redis import start_private_redis
from gauntlet.services.resolve import LABELS, preview_service
from gauntlet.services.types import PrivateServer, ServiceName
from gauntlet.services.urls import redacted

logger = logging.getLogger(__name__)

#: Bumped when the state file's shape changes; older files are refused with a fix.
STATE_VERSION = 1
#: Executable names a recorded leader may have: the servers, or runuser wrapping postgres.
SERVER_NAMES = frozenset({"redis-server", "postgres", "runuser"})
#: Tolerance (s) when comparing a process's start time with the recorded one.
CREATE_TIME_SLACK = 0.05
#: Environment variable each service's URL is exported as.
ENV_VARIABLES: dict[ServiceName, str] = {
    "redis": "GAUNTLET_REDIS_URL",
    "postgres": "GAUNTLET_DATABASE_URL",
}


@dataclass(frozen=True)
class RecordedServer:
    """One detached server as the state file records it."""

    service: ServiceName
    url: str
    pid: int
    pgid: int
    process_name: str
    create_time: float
    stop_signal: int
    stop_timeout: float
    data_dir: str
    log_path: str

    def alive(self) -> bool:
        """True when ``pid`` is still the process we started."""
        return _same_process(self) is not None


def services_up(state_file: Path, workdir: Path, *, allow_install: bool = True) -> dict[str, str]:
    """Start (or reuse, if all still alive) detached private servers; returns env exports."""
    recorded = read_state(state_file)
    if recorded and all(server.alive() for server in recorded):
        return exports(recorded)
    if recorded:
        logger.warning("some servers in %s died: restarting all", state_file)
        services_down(state_file)
    found = check_binaries(allow_install)
    started: list[PrivateServer] = []
    try:
        started.append(start_private_redis(workdir, binary=found.redis_server or "redis-server", detached=True))
        started.append(start_private_postgres(workdir, bindir=found.postgres_bindir, detached=True))
        servers = [_record(server) for server in started]
        _write_state(state_file, servers)
    except BaseException:
        for server in reversed(started):
            server.process.stop()
            shutil.rmtree(server.data_dir, ignore_errors=True)
        raise
    return exports(servers)


def services_down(state_file: Path) -> list[str]:
    """Stop the servers the state file lists, delete their data, remove the file."""
    messages = []
    for server in read_state(state_file):
        messages.append(_stop(server))
        shutil.rmtree(server.data_dir, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        state_file.unlink()
    return messages


def services_status(
    state_file: Path,
    redis_url: str | None,
    database_url: str | None,
    *,
    allow_install: bool = True,
    prefer_private: bool = False,
) -> list[str]:
    """Lines: what resolution would pick now per service, then what ``up`` recorded."""
    lines = []
    urls: dict[ServiceName, str | None] = {"redis": redis_url, "postgres": database_url}
    for service, url in urls.items():
        preview = preview_service(service, url, allow_install=allow_install, prefer_private=prefer_private)
        where = f" {redacted(preview.url)}" if preview.url else ""
        origin = preview.origin or "unavailable"
        lines.append(f"{LABELS[preview.service]:<10} {origin}{where}: {preview.detail}")
    recorded = read_state(state_file)
    if not recorded:
        lines.append(f"{state_file}: no servers started by `gauntlet services up`")
    for server in recorded:
        state = "alive" if server.alive() else "NOT RUNNING"
        lines.append(f"{state_file}: {server.service} pid {server.pid} {redacted(server.url)} {state}")
    return lines


def exports(servers: list[RecordedServer]) -> dict[str, str]:
    return {ENV_VARIABLES[server.service]: server.url for server in servers}


def format_exports(env: Mapping[str, str]) -> str:
    """``export NAME=value`` lines for a shell's ``eval``."""
    return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in env.items())


def read_state(state_file: Path) -> list[RecordedServer]:
    try:
        document: dict[str, Any] = json.loads(state_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise ServiceUnavailable(
            f"Cannot read {state_file}: {exc}. Stop its servers by pid if any run, then delete it."
        ) from exc
    if document.get("version") != STATE_VERSION:
        raise ServiceUnavailable(
            f"{state_file} has version {document.get('version')!r}, expected {STATE_VERSION}: "
            f"stop its servers by pid if any run, then delete the file."
        )
    return [RecordedServer(**server) for server in document["servers"]]


def _write_state(state_file: Path, servers: list[RecordedServer]) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "version": STATE_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "servers": [asdict(server) for server in servers],
    }
    partial = state_file.with_suffix(".tmp")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, state_file)  # readers never see half a file


def _record(server: PrivateServer) -> RecordedServer:
    process = psutil.Process(server.process.pid)
    return RecordedServer(
        service=server.name,
        url=server.url,
        pid=process.pid,
        pgid=os.getpgid(process.pid),
        process_name=str(process.name()),
        create_time=float(process.create_time()),
        stop_signal=server.process.stop_signal,
        stop_timeout=server.process.stop_timeout,
        data_dir=str(server.data_dir),
        log_path=str(server.process.log_path),
    )


def _same_process(server: RecordedServer) -> Any:
    """The psutil.Process for the recorded pid if it is still ours, else None."""
    try:
        process = psutil.Process(server.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        same = (
            process.name() == server.process_name
            and process.name() in SERVER_NAMES
            and abs(process.create_time() - server.create_time) <= CREATE_TIME_SLACK
        )
    except psutil.Error:
        return None
    return process if same else None


def _stop(server: RecordedServer) -> str:
    label = f"{server.service} (pid {server.pid}, {redacted(server.url)})"
    if _same_process(server) is None:
        with contextlib.suppress(psutil.Error):
            other = psutil.Process(server.pid)
            if other.status() != psutil.STATUS_ZOMBIE and os.getpgid(other.pid) == server.pgid:
                # The pid leads a new group: our group was empty when it was reused.
                return f"{label}: pid now belongs to {other.name()!r}; not touched"
        # A group id stays allocated while any member lives, so members left after the
        # leader died (postgres when runuser was killed) are still ours.
        leftovers = group_members(server.pgid)
        if not leftovers:
            return f"{label}: already stopped"
        stop_group(server.pgid, server.stop_signal, server.stop_timeout)
        return f"{label}: leader had exited; stopped {len(leftovers)} leftover process(es)"
    stop_group(server.pgid, server.stop_signal, server.stop_timeout)
    return f"{label}: stopped"
