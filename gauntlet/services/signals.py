"""SIGTERM and SIGHUP as exceptions, so ``with`` blocks unwind and stop what they started.

SIGINT already raises KeyboardInterrupt; the default SIGTERM/SIGHUP action kills the
process on the spot, leaving its children running.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger(__name__)

#: Signals turned into ``SystemExit(128 + signum)`` by :func:`install_signal_handlers`.
EXIT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)

_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


def install_signal_handlers(*, keep_custom: bool = False) -> Callable[[], None]:
    """Make SIGTERM and SIGHUP raise ``SystemExit(128 + signum)`` in the main thread.

    ``with`` blocks then unwind as they do for Ctrl-C (KeyboardInterrupt), so processes
    started inside them are stopped. ``keep_custom=True`` leaves alone a signal that
    already has a non-default handler. Returns a function restoring the previous handlers.
    Outside the main thread this does nothing (Python only allows handlers there).

    Example::

        restore = install_signal_handlers()
        try:
            run()
        finally:
            restore()
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous: dict[signal.Signals, _Handler] = {}
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a non-interactive shell (`gauntlet serve &` in a CI
        # script), SIGINT arrives ignored; the documented way to stop us is Ctrl-C/SIGINT.
        previous[signal.SIGINT] = signal.SIG_IGN
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in EXIT_SIGNALS:
        current = signal.getsignal(signum)
        if keep_custom and current not in (signal.SIG_DFL, None, _exit_on_signal):
            continue
        previous[signum] = current
        signal.signal(signum, _exit_on_signal)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        previous.clear()

    return restore


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    logger.info("received signal %d: shutting down", signum)
    raise SystemExit(128 + signum)
