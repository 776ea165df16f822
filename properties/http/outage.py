"""E5 and 28 (http) where the test owns the dependencies: outages under a running app.

Only for an app the test started itself against PRIVATE PostgreSQL and Redis servers
(:func:`start_private_dependencies`): stopping a shared server is never allowed.

- :func:`check_readiness_follows_outages` (E5, 28): Hypothesis draws a short schedule of
  dependencies going down and coming back. After each step: liveness answers 200 (it
  never depends on a dependency); while a REQUIRED dependency is down readiness answers
  503 ``fail``; once everything is back it answers 200 ``pass`` again within
  ``RECOVERY_BOUND_S`` and an authenticated API request succeeds, with the app never
  restarted (same process, still alive).
- :func:`check_startup_waits_for_dependencies` (28): the app is started while its
  dependencies are down; it tries the database, retries (counted at the network level by
  a stand-in on the database's port), keeps running and is ready once they come up,
  without being restarted.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from gauntlet.bundled import HOST, app_environment
from gauntlet.config.model import TargetSettings
from gauntlet.services.postgres import restart_private_postgres, start_private_postgres
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.redis import probe_redis, start_private_redis
from gauntlet.services.types import PrivateServer
from properties.examples import scaled_examples
from properties.http.budget import NO_SHRINK
from properties.http.health import health_paths, health_status
from properties.http.target import HttpTarget

#: Seconds readiness gets to reach the expected state after a step (the app's own probes
#: time out after ~1 s; reconnecting a pool after a restart takes a few more).
RECOVERY_BOUND_S = 20.0
#: Seconds readiness gets to turn 503 once a required dependency is stopped (the app's own
#: probe times out after ~1 s: a few polls, not a recovery).
FAILURE_BOUND_S = 5.0
#: Seconds a restarted private server gets to answer again.
RESTART_BOUND_S = 30.0
#: Polling period of readiness while waiting for a state.
POLL_S = 0.2
#: Each example stops and restarts real servers: a fifth of the profile's examples, ≥ 2.
EXAMPLES_DIVISOR = 5
#: Connection attempts the app must make while its database is down (it tried, and retried).
STARTUP_ATTEMPTS = 2
#: Seconds the app gets to make them (interpreter start and imports on a busy machine).
ATTEMPTS_BOUND_S = 60.0
#: The dependency the reference app needs to be ready; Redis only degrades it (warn).
REQUIRED = ("database",)


@dataclass
class PrivateDependencies:
    """Private PostgreSQL and Redis that can be stopped and restarted on the same port."""

    servers: dict[str, PrivateServer]
    group: ProcessGroup
    down: set[str] = field(default_factory=set)

    @property
    def names(self) -> list[str]:
        return sorted(self.servers)

    @property
    def database_url(self) -> str:
        return self.servers["database"].url

    @property
    def redis_url(self) -> str:
        return self.servers["redis"].url

    def stop(self, name: str) -> None:
        if name not in self.down:
            self.servers[name].process.stop()
            self.down.add(name)

    def start(self, name: str) -> None:
        if name not in self.down:
            return
        server = self.servers[name]
        if name == "database":
            self.servers[name] = restart_private_postgres(server, group=self.group, timeout=RESTART_BOUND_S)
        else:
            old = server.process
            process = self.group.start(ManagedProcess(old.name, old.command, old.log_path.parent))
            wait_until(lambda: probe_redis(server.url).ok, RESTART_BOUND_S, f"redis at {server.url}", process=process)
            self.servers[name] = PrivateServer(server.name, server.url, process, server.data_dir)
        self.down.discard(name)

    def start_all(self) -> None:
        for name in sorted(self.down):
            self.start(name)


def spawn_app(
    settings: TargetSettings,
    dependencies: PrivateDependencies,
    workdir: Path,
    group: ProcessGroup,
    *,
    port: int,
    module: str | None = None,
) -> ManagedProcess:
    """The bundled app's process (gauntlet/bundled.py contract) on the private dependencies.

    Not waited for: the caller decides what "up" means. ``module`` replaces
    ``settings.app_module`` (a failure proof's variant of the app).
    """
    env = {
        **app_environment(
            database_url=dependencies.database_url, redis_url=dependencies.redis_url, key_prefix="gauntlet-outage:"
        ),
        **settings.app_env,
    }
    command = [sys.executable, "-m", module or settings.app_module, "--host", HOST, "--port", str(port), "--migrate"]
    return group.start(ManagedProcess(f"outage-app-{port}", command, workdir, env={**os.environ, **env}))


def start_private_dependencies(workdir: Path, group: ProcessGroup) -> PrivateDependencies:
    postgres = start_private_postgres(workdir / "postgres", group=group)
    redis = start_private_redis(workdir / "redis", group=group)
    return PrivateDependencies({"database": postgres, "redis": redis}, group)


#: GET a path of the app without credentials.
Get = Callable[[str], httpx.Response]


def _ready_state(get: Get, path: str) -> tuple[int, str]:
    response = get(path)
    return response.status_code, health_status(response, f"GET {path}")


def wait_for_readiness(
    get: Get, path: str, expected: Callable[[int, str], bool], what: str, bound_s: float = RECOVERY_BOUND_S
) -> None:
    """Poll readiness until ``expected(code, status)``; AssertionError after ``bound_s``."""
    deadline = time.monotonic() + bound_s
    seen: tuple[int, str] | str | None = None
    while time.monotonic() < deadline:
        try:
            seen = _ready_state(get, path)
            if expected(*seen):
                return
        except httpx.TransportError as exc:  # not listening yet (start-up) or reconnecting
            seen = f"{type(exc).__name__}"
        time.sleep(POLL_S)
    raise AssertionError(f"readiness did not {what} within {bound_s:g} s; last answer {seen}")


def _api_request_succeeds(http: HttpTarget, what: str) -> None:
    listing = next(iter(http.api.list_operations(http.settings)), None)
    if listing is None:
        return
    response = http.call("GET", listing.path)
    assert response.status_code == 200, f"{what}: GET {listing.path} answered {response.status_code}"


def check_readiness_follows_outages(
    http: HttpTarget,
    dependencies: PrivateDependencies,
    *,
    app_pid: Callable[[], int | None],
    required: Sequence[str] = REQUIRED,
    names: Sequence[str] | None = None,
) -> None:
    """E5 + 28 over HTTP: liveness stays, readiness fails while required ones are down, recovers."""
    paths = health_paths(http)

    def get(path: str) -> httpx.Response:
        return http.call("GET", path, auth=False)

    pid = app_pid()
    assert pid is not None, "the app is not running before the drill"
    steps = st.lists(
        st.tuples(st.sampled_from(sorted(names or dependencies.names)), st.booleans()), min_size=1, max_size=3
    ).filter(lambda schedule: any(not up for _, up in schedule))  # at least one outage per example
    examples = scaled_examples(EXAMPLES_DIVISOR)

    @settings(max_examples=examples, phases=NO_SHRINK)
    @given(schedule=steps)
    def readiness_follows_dependencies(schedule: list[tuple[str, bool]]) -> None:
        try:
            for name, up in schedule:
                if up:
                    dependencies.start(name)
                else:
                    dependencies.stop(name)
                state = f"after {name} {'up' if up else 'down'} in {schedule} (down: {sorted(dependencies.down)})"
                live = http.call("GET", paths.live, auth=False)
                assert live.status_code == 200, f"liveness answered {live.status_code} {state}"
                health_status(live, f"GET {paths.live} {state}")
                if dependencies.down & set(required):
                    wait_for_readiness(
                        get, paths.ready, lambda c, s: c == 503 and s == "fail", f"fail {state}", FAILURE_BOUND_S
                    )
                    # Still failing a moment later: not a blip but the state while it is down.
                    code, status = _ready_state(get, paths.ready)
                    assert (code, status) == (503, "fail"), f"readiness answered {code} {status!r} {state}"
            dependencies.start_all()
            back = f"once every dependency was back after {schedule}"
            wait_for_readiness(get, paths.ready, lambda c, s: c == 200 and s == "pass", f"pass again {back}")
            _api_request_succeeds(http, back)
            assert app_pid() == pid, f"the app was restarted or exited (pid {pid} -> {app_pid()}) {back}"
        finally:
            dependencies.start_all()

    readiness_follows_dependencies()


class StandIn:
    """Listens on a stopped server's port, accepts and at once closes each connection:
    "not up yet", seen from the client, while counting the app's connection attempts."""

    def __init__(self, port: int) -> None:
        self.attempts = 0
        self._socket = socket.socket()
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, port))
        self._socket.listen(16)
        self._socket.settimeout(POLL_S)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"stand-in-{port}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._socket.accept()
            except (TimeoutError, OSError):
                continue
            self.attempts += 1
            connection.close()

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._socket.close()


def check_startup_waits_for_dependencies(
    base_url: str,
    dependencies: PrivateDependencies,
    start_app: Callable[[], ManagedProcess],
    *,
    ready_path: str = "/health/ready",
) -> None:
    """28 over HTTP: started with its database down, the app retries and becomes ready.

    ``start_app`` starts the app process listening at ``base_url`` (without waiting for
    it). While the dependencies are down, a :class:`StandIn` on the database's port counts
    the app's connection attempts; they come back once it has made ``STARTUP_ATTEMPTS``
    (so it did try, and try again), which must not take it out: it has to become ready.
    """
    for name in dependencies.names:
        dependencies.stop(name)
    port = urlsplit(dependencies.database_url).port
    assert port is not None, f"no port in {dependencies.database_url!r}"
    stand_in = StandIn(port)
    try:
        app = start_app()
        deadline = time.monotonic() + ATTEMPTS_BOUND_S
        while stand_in.attempts < STARTUP_ATTEMPTS and app.alive() and time.monotonic() < deadline:
            time.sleep(POLL_S)
    finally:
        stand_in.close()
    assert app.alive(), (
        f"the app exited (code {app.exit_code()}) after {stand_in.attempts} connection attempt(s) to its database, "
        f"instead of retrying: {app.log_tail(3)}"
    )
    assert stand_in.attempts >= STARTUP_ATTEMPTS, (
        f"the app made {stand_in.attempts} connection attempt(s) to its database in {ATTEMPTS_BOUND_S:g} s"
    )
    dependencies.start_all()
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        try:
            wait_for_readiness(client.get, ready_path, lambda c, s: c == 200 and s == "pass", "pass once they came up")
        except AssertionError as exc:
            if app.alive():
                raise
            raise AssertionError(
                f"the app exited (code {app.exit_code()}) once its dependencies came up: {app.log_tail(3)}"
            ) from exc
    assert app.alive(), f"the app exited (code {app.exit_code()}) after its dependencies came up"
