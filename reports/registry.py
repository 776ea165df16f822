"""Report writers, registered by the file name they produce.

A writer turns a whole run document into the text of one file in the run directory::

    from reports.registry import writer

    @writer("summary.txt")
    def summary(document: RunDocument) -> str:
        return f"{len(document.suites)} suites\\n"

Names are unique: registering a taken name raises instead of silently replacing the
first writer (schemathesis ``core/registries.py`` keeps the last one; two writers
fighting over one file is always a mistake).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from gauntlet.rundoc.model import RunDocument
from gauntlet.rundoc.store import REPORT_JSON, RESULTS_DIR
from reports.errors import WriterNameError

#: A report writer: the run document in, the file's full text out. Pure: the same
#: document must always give the same text, so reports can be rebuilt and diffed.
Writer = Callable[[RunDocument], str]
W = TypeVar("W", bound=Writer)

#: File names no writer may take: they are the run's inputs, not its renderings.
RESERVED_NAMES = frozenset({REPORT_JSON, RESULTS_DIR})


class WriterRegistry:
    """File name -> writer.

    Listed in file-name order, not registration order: which module happened to be
    imported first must not change what ``render_run`` returns.
    """

    __slots__ = ("_writers",)

    def __init__(self) -> None:
        self._writers: dict[str, Writer] = {}

    def register(self, name: str, function: W) -> W:
        _check_name(name)
        if name in self._writers:
            taken = _describe(self._writers[name])
            raise WriterNameError(
                f"report writer {name!r} is already registered by {taken}; "
                f"give the new writer another file name, e.g. @writer('{_alternative(name)}')"
            )
        self._writers[name] = function
        return function

    def writer(self, name: str) -> Callable[[W], W]:
        """Decorator form of :meth:`register`: ``@registry.writer("report.md")``."""

        def decorate(function: W) -> W:
            return self.register(name, function)

        return decorate

    def get(self, name: str) -> Writer:
        try:
            return self._writers[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise WriterNameError(f"no report writer named {name!r}; registered: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._writers)

    def items(self) -> Iterator[tuple[str, Writer]]:
        return iter(sorted(self._writers.items(), key=lambda item: item[0]))

    def __contains__(self, name: object) -> bool:
        return name in self._writers

    def __len__(self) -> int:
        return len(self._writers)


#: The writers ``render_run`` uses; the built-ins join when ``reports.render`` is imported.
WRITERS = WriterRegistry()


def writer(name: str) -> Callable[[W], W]:
    """Register a writer of file ``name`` in :data:`WRITERS`.

    Example: ``@writer("report.md")`` above ``def markdown_report(document) -> str``.
    """
    return WRITERS.writer(name)


def _check_name(name: str) -> None:
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        raise WriterNameError(
            f"report writer name {name!r} is not a plain file name; "
            "it is written inside the run directory, e.g. 'report.md'"
        )
    if name in RESERVED_NAMES:
        raise WriterNameError(
            f"report writer name {name!r} would overwrite the run's own data; "
            "choose another file name, e.g. 'report.md'"
        )


def _describe(function: Writer) -> str:
    module = getattr(function, "__module__", "?")
    qualname = getattr(function, "__qualname__", repr(function))
    return f"{module}.{qualname}"


def _alternative(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-2.{suffix}" if dot and stem else f"{name}-2"
