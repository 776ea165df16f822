"""Child processes we start, and the guarantee that none outlives us.

A :class:`ManagedProcess` runs in its own session (so its process group is its own and a
Ctrl-C in the terminal reaches us, not it), logs to ``<log_dir>/<name>.log``, and stops
by signalling its whole process group (``runuser`` and its child), then SIGKILLing
whatever is left of the group and of the descendants listed before the signal
(PostgreSQL's backends each start a session of their own, out of the group's reach).
A :class:`ProcessGroup` owns several and stops them in
reverse start order, on ``with`` exit, on ``close()`` (twice is fine) and at interpreter
exit. :func:`install_signal_handlers` (from ``signals.py``) makes SIGTERM/SIGHUP unwind
``with`` blocks; :func:`wait_until` waits for a started server to answer.

Example::

    with ProcessGroup() as group:
        server = group.start(ManagedProcess("redis-6390", ["redis-server", "--port", "6390"], tmp))
        url = "redis://127.0.0.1:6390/0"
        wait_until(lambda: probe_redis(url).ok, 10, f"redis-server at {url}", process=server)
        ...  # leaving the block stops redis-server and its group
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

import psutil

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.pgroups import (
    KILL_WAIT_TIMEOUT,
    kill_survivors,
    pid_alive,
    process_tree,
    signal_group,
    spawn_detached,
    stop_group,
)
from gauntlet.services.signals import install_signal_handlers

__all__ = [
    "ManagedProcess",
    "ProcessGroup",
    "Stoppable",
    "install_signal_handlers",
    "wait_until",
]

logger = logging.getLogger(__name__)

#: Seconds a process gets to exit after its stop signal before the group is SIGKILLed.
DEFAULT_STOP_TIMEOUT = 10.0
#: Polling period while waiting for a process to exit or a service to answer.
POLL_INTERVAL = 0.02
#: Log lines quoted when a service fails to start.
LOG_TAIL_LINES = 20


class ManagedProcess:
    """One child in its own session and process group; ``stop()`` takes the group down.

    ``stop_signal`` is what the program treats as "shut down now, cleanly" (PostgreSQL:
    SIGINT, fast shutdown). The leader is only reaped at ``stop()``: until then it stays a
    zombie if it dies, so its process-group id cannot be reused by someone else.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        log_dir: Path,
        *,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.command = tuple(command)
        self.log_path = log_dir / f"{name}.log"
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None
        self._pid: int | None = None

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self._pid}>"

    @property
    def pid(self) -> int:
        """The leader's pid, which is also the process-group id (``start_new_session``)."""
        if self._pid is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self._pid

    def start(self, *, detached: bool = False) -> ManagedProcess:
        """Start the child; ``detached=True`` leaves no ``Popen`` behind, for a process that
        must outlive us (``gauntlet services up``): stop it later with :func:`stop_group`."""
        if self._pid is not None:
            raise RuntimeError(f"{self.name} was already started (pid {self._pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self.env} if self.env is not None else None
        with self.log_path.open("ab") as log:
            if detached:
                self._pid = spawn_detached(self.command, log.fileno(), env)
            else:
                self._popen = subprocess.Popen(
                    self.command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    env=env,
                    cwd=self.cwd,
                )
                self._pid = self._popen.pid
        logger.info("started %s (pid %d): %s", self.name, self._pid, " ".join(self.command))
        return self

    def exit_code(self) -> int | None:
        """The leader's exit code (``-N`` when killed by signal N), ``None`` while it runs.

        Does not reap the leader (``WNOWAIT``): see the class docstring. A detached
        process's code is unknown: ``-1`` once it is gone.
        """
        if self._popen is None:
            return None if self._pid is not None and pid_alive(self._pid) else -1
        if self._popen.returncode is not None:
            return self._popen.returncode
        try:
            info = os.waitid(os.P_PID, self._popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped by someone else (e.g. a SIGCHLD handler)
            return self._popen.poll()
        if info is None:
            return None
        return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status

    def alive(self) -> bool:
        return self._pid is not None and self.exit_code() is None

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def group_pids(self) -> list[int]:
        """Pids of this process's group and their descendants (leader first when alive)."""
        if self._pid is None:
            return []
        return [proc.pid for proc in process_tree(self._pid)]

    def stop(self) -> int | None:
        """Send ``stop_signal`` to the group, wait ``stop_timeout``, then SIGKILL what is left.

        Returns the leader's exit code (``None`` for a detached process). Idempotent.
        """
        if self._pid is None:
            return None
        if self._popen is None:
            stop_group(self._pid, self.stop_signal, self.stop_timeout)
            return None
        if self._popen.returncode is not None:
            return self._popen.returncode
        tree = process_tree(self._pid)
        if self.exit_code() is None:
            signal_group(self._pid, self.stop_signal)
            if not self._wait_exited(self.stop_timeout):
                logger.warning(
                    "%s (pid %d) ignored signal %d for %.0f s: killing its process group",
                    self.name,
                    self._pid,
                    self.stop_signal,
                    self.stop_timeout,
                )
        return self._kill(tree)

    def kill(self) -> int | None:
        """SIGKILL the group and its descendants, reap the leader. Never raises."""
        if self._pid is None:
            return None
        if self._popen is None:
            stop_group(self._pid, signal.SIGKILL, 0.0)
            return None
        if self._popen.returncode is not None:
            return self._popen.returncode
        return self._kill(process_tree(self._pid))

    def _kill(self, tree: list[psutil.Process]) -> int | None:
        # ``tree`` was listed while the leader ran: it includes descendants in sessions of
        # their own (PostgreSQL's backends call setsid), which a group signal misses.
        assert self._popen is not None and self._pid is not None
        # The leader is unreaped here, so the group id is still ours: stragglers die too.
        signal_group(self._pid, signal.SIGKILL)
        try:
            code: int | None = self._popen.wait(KILL_WAIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            logger.error("%s (pid %d) survived SIGKILL", self.name, self._pid)
            code = None
        kill_survivors([proc for proc in tree if proc.pid != self._pid])
        logger.info("stopped %s (pid %d, exit code %s)", self.name, self._pid, code)
        return code

    def _wait_exited(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.exit_code() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_INTERVAL)
        return True


class Stoppable(Protocol):
    """Anything a :class:`ProcessGroup` can tear down: a process, a container, a temp dir."""

    def stop(self) -> object: ...

    def kill(self) -> object: ...


class _Callback:
    def __init__(self, label: str, function: Callable[[], object]) -> None:
        self.label = label
        self._function = function
        self._done = False

    def __repr__(self) -> str:
        return f"<cleanup {self.label}>"

    def stop(self) -> None:
        if not self._done:
            self._done = True
            self._function()

    kill = stop


class ProcessGroup:
    """Owns processes (and other cleanups) and tears them down in reverse order.

    Closing is idempotent and also runs from ``atexit``. A second Ctrl-C or SIGTERM while
    closing does not abandon anything: the remaining members are SIGKILLed at once and the
    interruption is re-raised afterwards.
    """

    def __init__(self) -> None:
        self._members: list[Stoppable] = []
        self._processes: list[ManagedProcess] = []
        self._lock = threading.RLock()
        self._closed = False
        atexit.register(self.close)

    @property
    def processes(self) -> list[ManagedProcess]:
        """Every process added, in start order (still listed after close)."""
        return list(self._processes)

    def start(self, process: ManagedProcess) -> ManagedProcess:
        """Start ``process`` (attached) and own it."""
        self.add(process)
        return process.start()

    def add(self, member: Stoppable) -> Stoppable:
        with self._lock:
            if self._closed:
                raise RuntimeError("this ProcessGroup is closed")
            self._members.append(member)
            if isinstance(member, ManagedProcess):
                self._processes.append(member)
        return member

    def callback(self, label: str, function: Callable[[], object]) -> None:
        """Run ``function`` at close, in reverse order with the processes."""
        self.add(_Callback(label, function))

    def close(self) -> None:
        with self._lock:
            self._closed = True
            interrupted: BaseException | None = None
            while self._members:
                member = self._members.pop()
                try:
                    if interrupted is None:
                        member.stop()
                    else:
                        member.kill()
                except (KeyboardInterrupt, SystemExit) as exc:
                    interrupted = interrupted or exc
                    _kill_quietly(member)
                except Exception:
                    logger.exception("could not stop %r; killing it", member)
                    _kill_quietly(member)
            atexit.unregister(self.close)
        if interrupted is not None:
            raise interrupted

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _kill_quietly(member: Stoppable) -> None:
    try:
        member.kill()
    except Exception:
        logger.exception("could not kill %r", member)


def wait_until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    process: ManagedProcess | None = None,
    interval: float = POLL_INTERVAL,
) -> None:
    """Poll ``predicate`` until it is true; raise :class:`ServiceUnavailable` naming ``what``
    after ``timeout`` seconds, or as soon as ``process`` (the server being waited on) dies,
    quoting the tail of its log.

    Example::

        wait_until(lambda: probe_redis(url).ok, 10, f"redis-server at {url}", process=server)
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and not process.alive():
            raise ServiceUnavailable(
                f"{what}: {process.name} exited with code {process.exit_code()} before it "
                f"was ready. Command: {' '.join(process.command)}\n"
                f"Last lines of {process.log_path}:\n{process.log_tail()}"
            )
        if time.monotonic() >= deadline:
            tail = f"\nLast lines of {process.log_path}:\n{process.log_tail()}" if process else ""
            raise ServiceUnavailable(f"{what} was not ready within {timeout:g} s.{tail}")
        time.sleep(interval)
