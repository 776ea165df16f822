"""Progress for long phases: a live spinner on a terminal, plain timestamped lines in CI.

Everything goes to stderr so stdout stays for results (verdict, URLs, exports).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console


class Progress:
    """``with progress.phase("starting PostgreSQL"): ...`` prints start, end and duration."""

    def __init__(self, stream: TextIO | None = None, *, interactive: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        if interactive is None:
            interactive = self.stream.isatty() and not os.environ.get("CI")
        self.interactive = interactive
        self.console = Console(file=self.stream, force_terminal=interactive, highlight=False)

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        started = time.monotonic()
        if self.interactive:
            with self.console.status(title + " ..."):
                try:
                    yield
                except BaseException:
                    self.console.print(f"[red]✗[/red] {title} ({time.monotonic() - started:.1f} s)")
                    raise
            self.console.print(f"[green]✓[/green] {title} ({time.monotonic() - started:.1f} s)")
            return
        self.line(f"{title} ...")
        try:
            yield
        except BaseException:
            self.line(f"{title}: failed after {time.monotonic() - started:.1f} s")
            raise
        self.line(f"{title}: done in {time.monotonic() - started:.1f} s")

    def line(self, text: str) -> None:
        if self.interactive:
            self.console.print(text)
        else:
            stamp = time.strftime("%H:%M:%S")
            print(f"[gauntlet {stamp}] {text}", file=self.stream, flush=True)
