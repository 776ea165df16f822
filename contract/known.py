"""Known failures: accepted for a while, with a reason, then failing again.

A TOML file named by ``[contract] known_failures``; each entry matches failures by check
and operation, or a whole cause by its id (``C-xxxxxxxx``, printed in every report)::

    [[failure]]
    check = "status_code_conformance"
    operation = "GET /notes/{note_id}"
    reason = "404 gets documented with the v2 schema (TICKET-12)"
    expires = 2026-06-30

    [[failure]]
    cause = "C-1a2b3c4d"
    reason = "NUL bytes are rejected by the new validator, shipping in 3.4"
    expires = 2026-07-15

An accepted failure does not fail the suite; after ``expires`` the entry no longer
accepts anything, and the failure fails again with the entry's reason next to it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from contract.causes import RawFailure
from contract.errors import KnownFailuresError

_EXAMPLE = (
    'example: [[failure]] check = "status_code_conformance" operation = "GET /notes/{note_id}" '
    'reason = "documented in v2" expires = 2026-06-30'
)


@dataclass(frozen=True)
class KnownFailure:
    reason: str
    expires: date
    check: str | None = None
    operation: str | None = None
    cause: str | None = None

    def matches(self, failure: RawFailure) -> bool:
        if self.cause is not None:
            return failure.cause_id == self.cause
        return failure.check == self.check and failure.operation == self.operation

    def expired(self, today: date) -> bool:
        return today > self.expires

    def describe(self) -> str:
        what = f"cause {self.cause}" if self.cause else f"{self.check} on {self.operation}"
        return f"{what}: {self.reason} (until {self.expires.isoformat()})"


@dataclass(frozen=True)
class Verdict:
    """How the known-failures file judges one failure."""

    accepted: bool
    entry: KnownFailure | None = None

    def note(self) -> str:
        if self.entry is None:
            return ""
        return ("accepted: " if self.accepted else "EXPIRED acceptance: ") + self.entry.describe()


@dataclass(frozen=True)
class KnownFailures:
    entries: tuple[KnownFailure, ...] = ()

    @classmethod
    def load(cls, path: Path | None) -> KnownFailures:
        """Read ``path`` (None: nothing is accepted); raises KnownFailuresError naming the entry."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise KnownFailuresError(f"known failures file {path} cannot be read ({exc.strerror})") from None
        except tomllib.TOMLDecodeError as exc:
            raise KnownFailuresError(f"known failures file {path} is not valid TOML ({exc}); {_EXAMPLE}") from None
        raw = data.get("failure", [])
        if not isinstance(raw, list):
            raise KnownFailuresError(f"{path}: 'failure' must be an array of tables ([[failure]]); {_EXAMPLE}")
        return cls(tuple(_entry(path, index, item) for index, item in enumerate(raw, start=1)))

    def judge(self, failure: RawFailure, today: date) -> Verdict:
        """A live matching entry accepts; an expired one is reported with the failure."""
        matching = [entry for entry in self.entries if entry.matches(failure)]
        live = next((entry for entry in matching if not entry.expired(today)), None)
        if live is not None:
            return Verdict(accepted=True, entry=live)
        return Verdict(accepted=False, entry=matching[0] if matching else None)


def _entry(path: Path, index: int, item: Any) -> KnownFailure:
    where = f"{path}: failure #{index}"
    if not isinstance(item, dict):
        raise KnownFailuresError(f"{where} is not a table; {_EXAMPLE}")
    unknown = set(item) - {"check", "operation", "cause", "reason", "expires"}
    if unknown:
        raise KnownFailuresError(f"{where} has unknown key(s) {sorted(unknown)}; {_EXAMPLE}")
    reason = item.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise KnownFailuresError(f"{where} needs a reason (why it is accepted); {_EXAMPLE}")
    expires = _date(item.get("expires"))
    if expires is None:
        raise KnownFailuresError(
            f"{where} needs expires = YYYY-MM-DD (got {item.get('expires')!r}): no acceptance is forever; {_EXAMPLE}"
        )
    cause, check, operation = item.get("cause"), item.get("check"), item.get("operation")
    if cause is None and not (isinstance(check, str) and isinstance(operation, str)):
        raise KnownFailuresError(f"{where} needs either cause = 'C-...' or both check and operation; {_EXAMPLE}")
    if cause is not None and not (isinstance(cause, str) and cause.startswith("C-")):
        raise KnownFailuresError(f"{where}: cause {cause!r} is not a cause id like 'C-1a2b3c4d'")
    return KnownFailure(reason=reason.strip(), expires=expires, check=check, operation=operation, cause=cause)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None
