"""``StatementRecorder``: every SQL statement an engine sends while it is active.

Properties 2 and 3 drive the repositories and inspect what reached the database: the
hook is SQLAlchemy's ``before_cursor_execute`` on the (async) engine's ``sync_engine``, so
it sees the final SQL text in the driver's paramstyle, with its parameters, exactly once
per cursor execution. It records every connection of the engine, whichever task uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class RecordedStatement:
    sql: str
    parameters: Any
    executemany: bool


class StatementRecorder:
    """Example::

    with StatementRecorder(engine) as recorder:
        await repository.list(user_id, limit=20)
    assert all("*" not in s for s in recorder.sql)
    """

    def __init__(self, engine: AsyncEngine | Engine) -> None:
        self._engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        self.statements: list[RecordedStatement] = []

    @property
    def sql(self) -> list[str]:
        return [statement.sql for statement in self.statements]

    def clear(self) -> None:
        self.statements.clear()

    def __enter__(self) -> StatementRecorder:
        event.listen(self._engine, "before_cursor_execute", self._record)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
    ) -> None:
        self.statements.append(RecordedStatement(statement, parameters, executemany))
