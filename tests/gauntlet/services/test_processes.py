"""ManagedProcess / ProcessGroup / wait_until / install_signal_handlers with real children."""

import os
import signal
import subprocess
import sys
import time

import pytest

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.processes import (
    ManagedProcess,
    ProcessGroup,
    install_signal_handlers,
    wait_until,
)

from .helpers import gone

pytestmark = pytest.mark.slow


def test_stop_kills_the_whole_group_when_the_stop_signal_is_ignored(tmp_path):
    # sh and its background sleep both ignore SIGTERM: only the SIGKILL escalation ends them.
    script = "trap '' TERM; sleep 60 & echo started; wait"
    process = ManagedProcess("stubborn", ["sh", "-c", script], tmp_path, stop_timeout=0.5)
    process.start()
    wait_until(lambda: "started" in process.log_tail(), 10, "the stubborn shell", process=process)
    pids = process.group_pids()
    assert len(pids) == 2

    assert process.stop() == -signal.SIGKILL
    assert all(gone(pid) for pid in pids)
    assert process.stop() == -signal.SIGKILL  # idempotent


def test_group_stops_members_in_reverse_order_and_closes_twice(tmp_path):
    order = []
    with ProcessGroup() as group:
        sleeper = group.start(ManagedProcess("sleeper", ["sleep", "60"], tmp_path))
        group.callback("first", lambda: order.append("first"))
        group.callback("second", lambda: order.append("second"))
        assert sleeper.alive()
    assert order == ["second", "first"]
    assert gone(sleeper.pid)
    group.close()  # second close: nothing left, no error
    assert order == ["second", "first"]


def test_wait_until_fails_fast_quoting_the_log_when_the_process_dies(tmp_path):
    process = ManagedProcess("doomed", ["sh", "-c", "echo boom-marker; exit 3"], tmp_path)
    with ProcessGroup() as group:
        group.add(process)
        process.start()
        with pytest.raises(ServiceUnavailable) as excinfo:
            wait_until(lambda: False, 60, "the doomed server", process=process)
    message = str(excinfo.value)
    assert "the doomed server" in message
    assert "exited with code 3" in message  # the fast path, not the 60 s timeout
    assert "boom-marker" in message


def test_wait_until_names_what_it_waited_for_on_timeout():
    with pytest.raises(ServiceUnavailable, match="the thing that never comes"):
        wait_until(lambda: False, 0.1, "the thing that never comes")


def test_sigterm_becomes_system_exit_so_with_blocks_unwind():
    # The session's service fixtures may have installed handlers already: restore() must
    # bring back whatever was there, not necessarily SIG_DFL.
    before = signal.getsignal(signal.SIGTERM)
    restore = install_signal_handlers()
    try:
        with pytest.raises(SystemExit) as excinfo:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here, in the main thread
        assert excinfo.value.code == 128 + signal.SIGTERM
    finally:
        restore()
    assert signal.getsignal(signal.SIGTERM) == before


def test_log_goes_to_a_file_named_after_the_process(tmp_path):
    process = ManagedProcess("echoer", [sys.executable, "-c", "print('hello log')"], tmp_path)
    with ProcessGroup() as group:
        group.add(process)
        process.start()
        wait_until(lambda: not process.alive(), 30, "the echoer to exit")
    assert (tmp_path / "echoer.log").read_text() == "hello log\n"


def test_sigint_inherited_as_ignored_still_interrupts(tmp_path):
    # What a background job of a non-interactive shell gets (`gauntlet serve &` in a script).
    script = tmp_path / "child.py"
    script.write_text(
        "import sys, time\n"
        "from gauntlet.services.signals import install_signal_handlers\n"
        "install_signal_handlers()\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    # `trap '' INT` then exec: the interpreter starts with SIGINT ignored.
    child = subprocess.Popen(
        ["sh", "-c", f"trap '' INT; exec {sys.executable} {script}"], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGINT)
    try:
        assert child.wait(timeout=30) == -signal.SIGINT  # KeyboardInterrupt, not ignored
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
