"""PostgreSQL: does a URL answer, a private cluster of our own, and per-session databases.

``initdb`` and ``postgres`` refuse to run as root, so as root both run as the ``postgres``
user through ``runuser``; the cluster then lives in a fresh directory under the system
temp dir (a pytest ``tmp_path`` is private to root, and a Unix socket path must stay
under 108 bytes). The server runs in the foreground as our child, not via ``pg_ctl``, so
stopping its process group stops every backend with it.

Example::

    with ProcessGroup() as group:
        server = start_private_postgres(tmp_path, group=group)
        url = create_database(server.url, "gauntlet_ab12cd34")
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import psycopg
from psycopg import sql

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.ports import LOOPBACK, free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.types import PrivateServer, Probe
from gauntlet.services.urls import plain_postgres_url, with_database

logger = logging.getLogger(__name__)

#: The PostgreSQL a developer machine or CI runner usually has (trust auth assumed).
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Seconds a probe waits for a connection (libpq's connect_timeout takes whole seconds).
PROBE_TIMEOUT = 2
#: Seconds initdb gets to create a cluster (about 1 s on an idle 2-core machine).
INITDB_TIMEOUT = 120.0
#: Seconds a private server gets to accept connections after it starts.
STARTUP_TIMEOUT = 30.0
#: Seconds a fast shutdown (SIGINT) gets before the group is SIGKILLed.
STOP_TIMEOUT = 15.0
#: Attempts with a fresh port when the chosen one was taken meanwhile.
PORT_ATTEMPTS = 3
#: The OS user that owns and runs clusters when we are root.
SERVER_USER = "postgres"
#: Durability is pointless for a throwaway cluster; these make tests several times faster.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def probe_postgres(url: str, timeout: int = PROBE_TIMEOUT) -> Probe:
    """Whether ``url`` accepts a connection within ``timeout`` seconds (and why not)."""
    try:
        with psycopg.connect(plain_postgres_url(url), connect_timeout=timeout):
            pass
    except (psycopg.Error, OSError) as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return Probe(url, ok=False, reason=reason)
    return Probe(url, ok=True)


def find_postgres_bindir() -> Path | None:
    """Directory holding ``initdb`` and ``postgres``: ``pg_config --bindir``, else the highest
    ``/usr/lib/postgresql/*/bin`` (Debian's layout), else wherever ``initdb`` on PATH lives."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates.extend(sorted(versions, key=_major_version, reverse=True))
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    return None


def start_private_postgres(
    workdir: Path,
    *,
    bindir: Path | None = None,
    group: ProcessGroup | None = None,
    detached: bool = False,
    timeout: float = STARTUP_TIMEOUT,
) -> PrivateServer:
    """initdb a throwaway cluster and run ``postgres`` on a free loopback port, trust auth.

    ``PrivateServer.data_dir`` is the cluster's directory (``data/``, ``sock/``); with
    ``group`` it is deleted after the server stops. Logs go to ``workdir``.
    """
    bindir = bindir or find_postgres_bindir()
    if bindir is None:
        raise ServiceUnavailable("PostgreSQL server binaries (initdb, postgres) not found.")
    as_user = _run_as_prefix()
    root = Path(tempfile.mkdtemp(prefix="gauntlet-pg-"))
    if group is not None:
        group.callback(f"remove {root}", lambda: shutil.rmtree(root, ignore_errors=True))
    try:
        data, sock = _make_cluster_dirs(root, owned_by_server_user=bool(as_user))
        _initdb(as_user, bindir, data, root, workdir)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            port = free_port()
            argv = [*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(port)]
            argv += ["-k", str(sock), "-c", f"listen_addresses={LOOPBACK}"]
            for setting in FAST_SETTINGS:
                argv += ["-c", setting]
            process = ManagedProcess(
                f"postgres-{port}",
                argv,
                workdir,
                stop_signal=signal.SIGINT,
                stop_timeout=STOP_TIMEOUT,
                cwd=root,
            )
            url = f"postgresql://postgres@{LOOPBACK}:{port}/postgres"
            if group is not None:
                group.add(process)
            process.start(detached=detached)
            try:
                wait_until(_answers(url), timeout, f"PostgreSQL at {url}", process=process)
            except ServiceUnavailable:
                process.stop()
                if attempt < PORT_ATTEMPTS and "Address already in use" in process.log_tail():
                    logger.info("port %d was taken before postgres bound it: retrying", port)
                    continue
                raise
            except BaseException:
                process.stop()
                raise
            return PrivateServer("postgres", url, process, root)
    except BaseException:
        if group is None:
            shutil.rmtree(root, ignore_errors=True)
        raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def restart_private_postgres(
    server: PrivateServer,
    *,
    group: ProcessGroup | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> PrivateServer:
    """Start the SAME cluster again on the SAME port after ``server.process.stop()``.

    For outage drills: clients keep their URL, and the data survives. The new process is
    added to ``group`` (stopped before the group removes ``data_dir``). Returns a
    ``PrivateServer`` for the new process; raises ServiceUnavailable if the old one still
    runs or the new one does not answer within ``timeout`` (e.g. the port was taken).
    """
    old = server.process
    if old.alive():
        raise ServiceUnavailable(f"{old.name} is still running: stop it before restarting the cluster.")
    process = ManagedProcess(
        old.name,
        old.command,
        old.log_path.parent,
        stop_signal=old.stop_signal,
        stop_timeout=old.stop_timeout,
        cwd=old.cwd,
    )
    if group is not None:
        group.add(process)
    process.start()
    try:
        wait_until(_answers(server.url), timeout, f"PostgreSQL at {server.url}", process=process)
    except BaseException:
        process.stop()
        raise
    return PrivateServer("postgres", server.url, process, server.data_dir)


def create_database(admin_url: str, name: str) -> str:
    """``CREATE DATABASE name`` (from template0, so it never waits on template1's users);
    returns the new database's URL."""
    with psycopg.connect(plain_postgres_url(admin_url), autocommit=True, connect_timeout=PROBE_TIMEOUT) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    logger.info("created database %s", name)
    return with_database(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """``DROP DATABASE IF EXISTS name WITH (FORCE)``: open connections are terminated."""
    with psycopg.connect(plain_postgres_url(admin_url), autocommit=True, connect_timeout=PROBE_TIMEOUT) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    logger.info("dropped database %s", name)


def _answers(url: str) -> Callable[[], bool]:
    return lambda: probe_postgres(url).ok


def _run_as_prefix() -> list[str]:
    """``runuser -u postgres --`` when we are root, else nothing."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServiceUnavailable(
            "PostgreSQL refuses to run as root and `runuser` (util-linux) is missing: "
            "run Gauntlet as a non-root user, or install util-linux."
        )
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ServiceUnavailable(
            f"PostgreSQL refuses to run as root and there is no `{SERVER_USER}` user to run "
            f"it as: create one (`useradd --system {SERVER_USER}`) or run as a non-root user."
        ) from None
    return [runuser, "-u", SERVER_USER, "--"]


def _make_cluster_dirs(root: Path, *, owned_by_server_user: bool) -> tuple[Path, Path]:
    data, sock = root / "data", root / "sock"
    if owned_by_server_user:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
        subprocess.run(
            [
                "install",
                "-d",
                "-o",
                SERVER_USER,
                "-g",
                SERVER_USER,
                "-m",
                "700",
                str(data),
                str(sock),
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
    else:
        data.mkdir(mode=0o700)
        sock.mkdir(mode=0o700)
    return data, sock


def _initdb(as_user: list[str], bindir: Path, data: Path, cwd: Path, workdir: Path) -> None:
    argv = [
        *as_user,
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    ]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=INITDB_TIMEOUT, check=False)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "initdb.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise ServiceUnavailable(f"initdb failed with exit code {result.returncode}. Command: {' '.join(argv)}\n{tail}")


def _major_version(bindir: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/15/bin -> (15,); "9.6" -> (9, 6); junk sorts first.
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (-1,)
