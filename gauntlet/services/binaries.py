"""Are redis-server and the PostgreSQL server installed, and if not, install or explain.

Only consulted once neither a configured URL nor a default local server answered: the
caller decides when (see ``resolve.py``). Installing needs root and apt-get, and
``allow_install``; otherwise the error carries the exact command to run.

Example::

    found = check_binaries(allow_install=False, services=("redis",))
    start_private_redis(workdir, binary=found.redis_server or "redis-server")
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.postgres import find_postgres_bindir
from gauntlet.services.redis import find_redis_server
from gauntlet.services.types import ServiceName

logger = logging.getLogger(__name__)

#: Debian/Ubuntu package providing each service's server binaries.
APT_PACKAGES: dict[ServiceName, str] = {"redis": "redis-server", "postgres": "postgresql"}
#: Other package managers, quoted when there is no apt-get.
OTHER_INSTALLS: dict[ServiceName, str] = {
    "redis": "`dnf install -y redis` or `brew install redis`",
    "postgres": "`dnf install -y postgresql-server` or `brew install postgresql`",
}
#: The variable that points Gauntlet at an existing server instead.
URL_VARIABLES: dict[ServiceName, str] = {
    "redis": "GAUNTLET_REDIS_URL=redis://HOST:6379/0",
    "postgres": "GAUNTLET_DATABASE_URL=postgresql://USER@HOST:5432/postgres",
}
#: Seconds apt-get update/install may take (mirrors can be slow).
APT_TIMEOUT = 900.0


@dataclass(frozen=True)
class Binaries:
    """What is installed: ``redis-server``'s path and PostgreSQL's bin directory."""

    redis_server: str | None
    postgres_bindir: Path | None

    def has(self, service: ServiceName) -> bool:
        if service == "redis":
            return self.redis_server is not None
        return self.postgres_bindir is not None


def find_binaries() -> Binaries:
    return Binaries(find_redis_server(), find_postgres_bindir())


def can_install() -> bool:
    """True when we could install packages ourselves: root, with apt-get."""
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def install_command(services: Collection[ServiceName]) -> str:
    """The exact shell command that installs the servers for ``services``."""
    packages = " ".join(APT_PACKAGES[s] for s in services)
    sudo = "" if os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get update && {sudo}apt-get install -y {packages}"


def check_binaries(allow_install: bool, services: Collection[ServiceName] = ("redis", "postgres")) -> Binaries:
    """Which server binaries are present; installs missing ones (root + apt-get +
    ``allow_install``) or raises :class:`ServiceUnavailable` with the command to run."""
    found = find_binaries()
    missing = [s for s in services if not found.has(s)]
    if not missing:
        return found
    if allow_install and can_install():
        install_packages(missing)
        found = find_binaries()
        missing = [s for s in services if not found.has(s)]
        if not missing:
            return found
    raise missing_binaries_error(missing, tried_install=allow_install and can_install())


def install_packages(services: Collection[ServiceName]) -> None:
    """``apt-get update`` then ``apt-get install -y`` the servers' packages, non-interactive."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    packages = [APT_PACKAGES[s] for s in services]
    for argv in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
        logger.warning("installing %s: %s", ", ".join(packages), " ".join(argv))
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            raise ServiceUnavailable(f"`{' '.join(argv)}` failed with exit code {result.returncode}:\n{tail}")


def missing_binaries_error(missing: Collection[ServiceName], *, tried_install: bool = False) -> ServiceUnavailable:
    """The error naming what is missing, the command that installs it, and the URL option."""
    names = " and ".join(f"{APT_PACKAGES[s]}" for s in missing)
    if shutil.which("apt-get") is not None:
        how = f"Install with: {install_command(missing)}"
    else:
        how = "Install with your package manager: " + "; ".join(OTHER_INSTALLS[s] for s in missing)
    after = " (installing them failed)" if tried_install else ""
    urls = " / ".join(URL_VARIABLES[s] for s in missing)
    return ServiceUnavailable(
        f"No running server and no {names} binaries to start one{after}. {how} - or point Gauntlet at a server: {urls}."
    )
