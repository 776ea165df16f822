"""The shapes the services package hands around: where a service is, and whether it answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gauntlet.services.processes import ManagedProcess

ServiceName = Literal["redis", "postgres"]
#: Where an endpoint came from, in resolution order (DESIGN.md "Services").
Origin = Literal["configured", "local-default", "private", "container"]
#: Origins whose server other users share: never stop, pause or slow one of these.
SHARED_ORIGINS: frozenset[Origin] = frozenset({"configured", "local-default"})


@dataclass(frozen=True)
class ServiceEndpoint:
    """A service that answered: its URL, where it came from, and our child's pid if we started it.

    For PostgreSQL ``url`` is an admin URL (database ``postgres``) without a driver suffix.
    """

    name: str
    url: str
    origin: Origin
    pid: int | None

    @property
    def shared(self) -> bool:
        """True when other users may use this server too (we found it, we did not start it)."""
        return self.origin in SHARED_ORIGINS


@dataclass(frozen=True)
class Probe:
    """The answer to "does URL answer?": ``reason`` says why not when ``ok`` is false."""

    url: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class PrivateServer:
    """A server we started: stop ``process`` (its whole group), then delete ``data_dir``."""

    name: ServiceName
    url: str
    process: ManagedProcess
    data_dir: Path
