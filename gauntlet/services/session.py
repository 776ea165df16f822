"""One run's view of Redis and PostgreSQL: its own database and key prefix, cleaned up after.

Example::

    with ServiceSession(None, None, workdir=run_dir, session_id=new_session_id()) as services:
        env = {"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url,
               "KEY_PREFIX": services.key_prefix}
        ...  # on exit: database dropped, keys deleted, started servers stopped
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.postgres import create_database, drop_database
from gauntlet.services.processes import ManagedProcess, ProcessGroup, install_signal_handlers
from gauntlet.services.redis import delete_keys
from gauntlet.services.resolve import resolve_service
from gauntlet.services.types import ServiceEndpoint
from gauntlet.services.urls import redacted, with_database

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"[0-9a-f]{1,32}")
#: Random bytes in a generated session id (8 hex characters).
SESSION_ID_BYTES = 4


def new_session_id() -> str:
    return secrets.token_hex(SESSION_ID_BYTES)


class ServiceSession:
    """Resolves both services, creates ``gauntlet_<session_id>`` and the key prefix
    ``gauntlet:<session_id>:``; on exit drops the database, deletes the keys (on shared
    servers; private ones just stop) and stops every process it started, also on
    KeyboardInterrupt, SystemExit (SIGTERM/SIGHUP, see ``install_signal_handlers``, which
    the session installs unless those signals already have handlers) and exceptions.
    """

    def __init__(
        self,
        redis_url: str | None,
        database_url: str | None,
        workdir: Path,
        session_id: str,
        *,
        allow_install: bool = True,
        prefer_private: bool = False,
    ) -> None:
        if not _SESSION_ID.fullmatch(session_id):
            raise ValueError(
                f"session_id {session_id!r} must be 1-32 lowercase hex characters, "
                f"e.g. {new_session_id()!r} (see new_session_id())."
            )
        self._redis_url = redis_url
        self._database_url = database_url
        self.workdir = workdir
        self.session_id = session_id
        self.allow_install = allow_install
        self.prefer_private = prefer_private
        self.database_name = f"gauntlet_{session_id}"
        self.key_prefix = f"gauntlet:{session_id}:"
        self._group: ProcessGroup | None = None
        self._restore_signals: Callable[[], None] | None = None
        self._redis: ServiceEndpoint | None = None
        self._postgres: ServiceEndpoint | None = None
        self._created_database = False

    @property
    def redis(self) -> ServiceEndpoint:
        return _entered(self._redis)

    @property
    def postgres(self) -> ServiceEndpoint:
        """The PostgreSQL server (admin URL); :attr:`database_url` is this session's database."""
        return _entered(self._postgres)

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @property
    def database_url(self) -> str:
        return with_database(self.postgres.url, self.database_name)

    @property
    def processes(self) -> list[ManagedProcess]:
        """The servers this session started (empty when it found running ones)."""
        return self._group.processes if self._group is not None else []

    def __enter__(self) -> ServiceSession:
        self._restore_signals = install_signal_handlers(keep_custom=True)
        self._group = ProcessGroup()
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._redis = resolve_service(
                "redis",
                self._redis_url,
                workdir=self.workdir,
                group=self._group,
                allow_install=self.allow_install,
                prefer_private=self.prefer_private,
            )
            self._postgres = resolve_service(
                "postgres",
                self._database_url,
                workdir=self.workdir,
                group=self._group,
                allow_install=self.allow_install,
                prefer_private=self.prefer_private,
            )
            self._create_database(self._postgres)
        except BaseException:
            self.close(raise_errors=False)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(raise_errors=exc is None)

    def close(self, *, raise_errors: bool = True) -> None:
        """Clean up; idempotent. Cleanup failures are logged, and raised afterwards as
        :class:`ServiceUnavailable` when ``raise_errors`` (every step runs regardless)."""
        errors: list[str] = []
        try:
            if self._created_database and self._postgres is not None:
                self._created_database = False
                try:
                    drop_database(self._postgres.url, self.database_name)
                except Exception as exc:
                    errors.append(f"could not drop database {self.database_name}: {exc}")
            if self._redis is not None and self._redis.shared:
                try:
                    deleted = delete_keys(self._redis.url, self.key_prefix)
                    logger.info("deleted %d Redis keys under %s", deleted, self.key_prefix)
                except Exception as exc:
                    errors.append(f"could not delete Redis keys {self.key_prefix}*: {exc}")
        finally:
            if self._group is not None:
                self._group.close()
            if self._restore_signals is not None:
                self._restore_signals()
                self._restore_signals = None
        for error in errors:
            logger.error("%s", error)
        if errors and raise_errors:
            raise ServiceUnavailable("; ".join(errors))

    def describe(self) -> list[str]:
        """One line per service, for a status display."""
        lines = []
        for endpoint, what in (
            (self._redis, f"keys under {self.key_prefix}"),
            (self._postgres, f"database {self.database_name}"),
        ):
            if endpoint is None:
                continue
            started = f", pid {endpoint.pid}" if endpoint.pid is not None else ""
            lines.append(f"{endpoint.name:<8} {redacted(endpoint.url)} ({endpoint.origin}{started}), {what}")
        return lines

    def _create_database(self, server: ServiceEndpoint) -> None:
        try:
            create_database(server.url, self.database_name)
        except Exception as exc:
            if "already exists" in str(exc):
                raise ServiceUnavailable(
                    f"Database {self.database_name} already exists on {redacted(server.url)}: "
                    f"another run uses session id {self.session_id!r}, or one crashed. Use a "
                    f"new id, or drop it: psql {redacted(server.url)} -c "
                    f"'DROP DATABASE {self.database_name} WITH (FORCE)'"
                ) from exc
            raise
        self._created_database = True


def _entered(endpoint: ServiceEndpoint | None) -> ServiceEndpoint:
    if endpoint is None:
        raise RuntimeError("use ServiceSession as a context manager: `with ServiceSession(...)`")
    return endpoint
