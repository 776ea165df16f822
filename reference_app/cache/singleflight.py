"""Single flight: concurrent misses on one key share one fetch (property 8).

The work runs in its own task, so a caller that is cancelled (client gone) does not fail
the callers that joined it. ``forget(group)`` detaches running flights of a resource: a
lookup that starts after an invalidation never joins a fetch that began before the write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class SingleFlight:
    """Per-key in-process deduplication of concurrent async calls.

    >>> flights = SingleFlight()
    >>> # value = await flights.do("k", "incidents", fetch)   # N concurrent callers, 1 fetch
    """

    def __init__(self) -> None:
        self._flights: dict[str, tuple[str, asyncio.Task[Any]]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def do(self, key: str, group: str, work: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``work`` unless a flight for ``key`` is running; either way, await its result."""
        flight = self._flights.get(key)
        if flight is None:
            task: asyncio.Task[Any] = asyncio.ensure_future(work())
            self._flights[key] = (group, task)
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            task = flight[1]
        return await asyncio.shield(task)

    def forget(self, group: str) -> None:
        """Later calls for keys of ``group`` start new flights (running ones finish alone)."""
        for key in [k for k, (g, _) in self._flights.items() if g == group]:
            del self._flights[key]

    def _finished(self, key: str, task: asyncio.Task[Any]) -> None:
        flight = self._flights.get(key)
        if flight is not None and flight[1] is task:
            del self._flights[key]
        if not task.cancelled():
            # Mark the exception retrieved: every caller may have been cancelled meanwhile.
            task.exception()
