"""Which Redis / PostgreSQL to use: the resolution order of DESIGN.md "Services".

Per service, first match wins:

1. a URL given in config/env: it must answer; an unreachable one is an error naming it,
   never a silent fallback (the user asked for that server);
2. a server answering on the default local port (``DEFAULT_REDIS_URL``,
   ``DEFAULT_POSTGRES_URL``);
3. a private instance from local binaries;
4. a container (testcontainers), when a Docker engine answers;
5. install the binaries (root + apt-get + ``allow_install``) and go to 3;
6. otherwise :class:`ServiceUnavailable` naming what is missing and how to install it.

Installing comes after containers: a Docker engine that answers is a way to run the
service that changes nothing on the machine. ``prefer_private=True`` skips 1 and 2:
tests that stop, pause or slow a service need an instance nobody else uses.

Example::

    with ProcessGroup() as group:
        redis_ep = resolve_service("redis", os.environ.get("GAUNTLET_REDIS_URL"),
                                   workdir=tmp, group=group)
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.binaries import (
    can_install,
    check_binaries,
    find_binaries,
    install_command,
    missing_binaries_error,
)
from gauntlet.services.postgres import DEFAULT_POSTGRES_URL, probe_postgres, start_private_postgres
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import DEFAULT_REDIS_URL, probe_redis, start_private_redis
from gauntlet.services.types import Origin, Probe, ServiceEndpoint, ServiceName
from gauntlet.services.urls import plain_postgres_url, redacted

logger = logging.getLogger(__name__)

#: Seconds the Docker probe may take (it answers in ~2 ms when an engine runs).
DOCKER_PROBE_TIMEOUT = 2
#: Where docker-py looks when DOCKER_HOST is unset.
DEFAULT_DOCKER_SOCKET = Path("/var/run/docker.sock")
#: Images used when the service runs in a container.
REDIS_IMAGE = "redis:7-alpine"
POSTGRES_IMAGE = "postgres:16-alpine"

LABELS: dict[ServiceName, str] = {"redis": "Redis", "postgres": "PostgreSQL"}
#: Where a configured URL comes from, for error messages.
SOURCES: dict[ServiceName, str] = {
    "redis": "GAUNTLET_REDIS_URL / [services] redis_url",
    "postgres": "GAUNTLET_DATABASE_URL / [services] database_url",
}
DEFAULT_URLS: dict[ServiceName, str] = {
    "redis": DEFAULT_REDIS_URL,
    "postgres": DEFAULT_POSTGRES_URL,
}


def probe(service: ServiceName, url: str) -> Probe:
    return probe_redis(url) if service == "redis" else probe_postgres(url)


def resolve_service(
    service: ServiceName,
    url: str | None,
    *,
    workdir: Path,
    group: ProcessGroup,
    allow_install: bool = True,
    prefer_private: bool = False,
    default_url: str | None = None,
) -> ServiceEndpoint:
    """Find or start ``service``; whatever is started is owned by ``group``.

    For PostgreSQL the endpoint's URL is an admin URL without a driver suffix.
    """
    label = LABELS[service]
    if url is not None and service == "postgres":
        url = plain_postgres_url(url)
    if prefer_private:
        if url is not None:
            logger.info("%s: prefer_private, not using configured %s", label, redacted(url))
    elif url is not None:
        answer = probe(service, url)
        if not answer.ok:
            raise ServiceUnavailable(
                f"{label} at {redacted(url)} (configured by {SOURCES[service]}) does not "
                f"answer: {answer.reason}. Start it or fix the URL; unset it to let Gauntlet "
                f"find or start one."
            )
        return _chosen(ServiceEndpoint(service, url, "configured", None))
    else:
        default = default_url or DEFAULT_URLS[service]
        if probe(service, default).ok:
            return _chosen(ServiceEndpoint(service, default, "local-default", None))
    return _chosen(_start_own(service, workdir, group, allow_install))


def docker_answers() -> bool:
    """True when a Docker engine answers ``ping`` (testcontainers would work)."""
    if "DOCKER_HOST" not in os.environ and not DEFAULT_DOCKER_SOCKET.exists():
        # No engine configured. Also spares docker-py's failed connect, which leaks its
        # socket (a ResourceWarning at garbage collection).
        return False
    try:
        docker = importlib.import_module("docker")
        client = docker.from_env(timeout=DOCKER_PROBE_TIMEOUT)
    except Exception:  # ImportError, DockerException: no engine configured
        return False
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


@dataclass(frozen=True)
class Preview:
    """What :func:`resolve_service` would pick now, found without starting anything."""

    service: ServiceName
    origin: Origin | None
    url: str | None
    detail: str


def preview_service(
    service: ServiceName,
    url: str | None,
    *,
    allow_install: bool = True,
    prefer_private: bool = False,
) -> Preview:
    """Dry run of the resolution order, for ``gauntlet services status``."""
    if url is not None and service == "postgres":
        url = plain_postgres_url(url)
    if url is not None and not prefer_private:
        answer = probe(service, url)
        detail = "answers" if answer.ok else f"DOES NOT ANSWER ({answer.reason}): runs will fail"
        return Preview(service, "configured", url, detail)
    if not prefer_private and probe(service, DEFAULT_URLS[service]).ok:
        return Preview(service, "local-default", DEFAULT_URLS[service], "answers")
    if find_binaries().has(service):
        return Preview(service, "private", None, "would start a private instance")
    if docker_answers():
        return Preview(service, "container", None, "would start a container (testcontainers)")
    if allow_install and can_install():
        return Preview(service, "private", None, f"would run `{install_command([service])}` first")
    return Preview(service, None, None, str(missing_binaries_error([service])))


def _chosen(endpoint: ServiceEndpoint) -> ServiceEndpoint:
    logger.info("%s: %s (%s)", endpoint.name, redacted(endpoint.url), endpoint.origin)
    return endpoint


def _start_own(service: ServiceName, workdir: Path, group: ProcessGroup, allow_install: bool) -> ServiceEndpoint:
    found = find_binaries()
    if not found.has(service) and docker_answers():
        return _start_container(service, group)
    found = check_binaries(allow_install, [service])
    if service == "redis":
        server = start_private_redis(workdir, binary=found.redis_server or "redis-server", group=group)
    else:
        server = start_private_postgres(workdir, bindir=found.postgres_bindir, group=group)
    return ServiceEndpoint(service, server.url, "private", server.process.pid)


def _start_container(service: ServiceName, group: ProcessGroup) -> ServiceEndpoint:
    if service == "redis":
        module = importlib.import_module("testcontainers.community.redis")
        container = module.RedisContainer(REDIS_IMAGE)
    else:
        module = importlib.import_module("testcontainers.community.postgres")
        # A throwaway container reachable from this machine only: the password guards nothing.
        container = module.PostgresContainer(
            POSTGRES_IMAGE,
            username="postgres",
            password="postgres",  # noqa: S106
            dbname="postgres",
            driver=None,
        )
    group.callback(f"stop {service} container", _quiet(container.stop))
    container.start()
    host = container.get_container_host_ip()
    if service == "redis":
        url = f"redis://{host}:{container.get_exposed_port(6379)}/0"
    else:
        url = str(container.get_connection_url())
    return ServiceEndpoint(service, url, "container", None)


def _quiet(function: Callable[[], object]) -> Callable[[], None]:
    def call() -> None:
        with contextlib.suppress(Exception):
            function()

    return call
