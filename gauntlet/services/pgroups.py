"""Process groups by id: list, signal and stop them without a ``Popen`` to hold.

Used for detached servers (``gauntlet services up``), which outlive the process that
started them, and by :class:`~gauntlet.services.processes.ManagedProcess` for its group.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Mapping, Sequence

import psutil

logger = logging.getLogger(__name__)

#: Seconds SIGKILLed processes get to disappear (the kernel is quick).
KILL_WAIT_TIMEOUT = 5.0
#: Polling period while waiting for processes to exit.
POLL_INTERVAL = 0.02


def group_members(pgid: int) -> list[int]:
    """Live pids whose process group is ``pgid``, the leader first."""
    members = []
    for proc in psutil.process_iter():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(proc.pid) == pgid and pid_alive(proc.pid):
                members.append(proc.pid)
    return sorted(members, key=lambda pid: pid != pgid)


def process_tree(pgid: int) -> list[psutil.Process]:
    """The members of group ``pgid`` and all their descendants, leader first.

    Descendants matter: PostgreSQL's backends each start a session of their own, so a
    signal to the postmaster's group does not reach them.
    """
    tree: dict[int, psutil.Process] = {}
    for pid in group_members(pgid):
        with contextlib.suppress(psutil.Error):
            member = psutil.Process(pid)
            tree.setdefault(pid, member)
            for child in member.children(recursive=True):
                tree.setdefault(child.pid, child)
    return list(tree.values())


def stop_group(pgid: int, stop_signal: int, timeout: float) -> None:
    """Signal group ``pgid``, wait ``timeout`` s for it and its descendants to exit, then
    SIGKILL the survivors.

    Processes are listed before signalling and killed through psutil, which checks a pid
    still names the same process, so a reused pid is never signalled.
    """
    tree = process_tree(pgid)
    if not tree:
        return
    signal_group(pgid, stop_signal)
    alive = wait_gone(tree, timeout)
    if alive:
        logger.warning("%d process(es) of group %d outlived %.0f s: SIGKILL", len(alive), pgid, timeout)
    kill_survivors(alive)


def kill_survivors(procs: list[psutil.Process]) -> None:
    """SIGKILL whichever of ``procs`` still run (same pid and start time), wait for them."""
    alive = [proc for proc in procs if _running(proc)]
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    wait_gone(alive, KILL_WAIT_TIMEOUT)


def wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait until every process has exited (a zombie counts as exited; our own children
    are reaped); returns those still running after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [proc for proc in procs if _running(proc)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(POLL_INTERVAL)


def _running(proc: psutil.Process) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(proc.pid, os.WNOHANG)  # reap it if it is our child
    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def pid_alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def spawn_detached(argv: Sequence[str], log_fd: int, env: Mapping[str, str] | None) -> int:
    # posix_spawn, not Popen: a Popen dropped while its child runs warns (ResourceWarning)
    # and is polled by the subprocess module forever; a detached server is not our concern
    # once spawned. setsid=True gives it its own session and process group.
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, log_fd, 1),
        (os.POSIX_SPAWN_DUP2, log_fd, 2),
    ]
    return os.posix_spawnp(
        argv[0],
        list(argv),
        dict(env if env is not None else os.environ),
        file_actions=file_actions,
        setsid=True,
    )
