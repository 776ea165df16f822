"""``TaskEventHub``: Redis pub/sub fan-out of task status messages to WebSocket connections.

One pub/sub connection per app process; a channel is subscribed while at least one local
connection watches it (``{prefix}tasks:events:{task_id}``, published by the workers), so
any app process can serve any client. Each watcher has a bounded queue, filled without
ever waiting: when a watcher falls behind, its OLDEST message is dropped (the newest —
and a final SUCCESS/FAILURE is always the newest — is kept). A slow or dead client
therefore costs only its own messages; the hub and every other client go on.

If the pub/sub connection fails, every watcher is told (``Watch.get`` returns None) and
the next watch opens a new connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

#: Seconds to wait for Redis to confirm a SUBSCRIBE before the watch fails.
SUBSCRIBE_TIMEOUT_SECONDS = 2.0
#: Seconds one pub/sub read waits before the reader loops (and notices closing).
READ_TIMEOUT_SECONDS = 1.0

logger = structlog.stdlib.get_logger("reference_app.tasks.hub")


class HubUnavailableError(Exception):
    """Redis pub/sub could not be used (the WebSocket closes with 1011)."""


class Watch:
    """One watcher's bounded queue of raw messages; ``get()`` returns None once the hub failed."""

    def __init__(self, channel: str, size: int) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=size)
        #: Messages dropped because this watcher was too slow.
        self.dropped = 0
        #: True when the None that ended the watch means "the app is shutting down".
        self.shutdown = False

    def offer(self, message: bytes | None) -> None:
        """Enqueue without waiting; full: drop the oldest."""
        if self._queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self._queue.get_nowait()
                self.dropped += 1
        self._queue.put_nowait(message)

    async def get(self) -> bytes | None:
        return await self._queue.get()


class TaskEventHub:
    """>>> async with hub.watch(channel) as watch: message = await watch.get()"""

    def __init__(self, redis_url: str, *, queue_size: int) -> None:
        self._redis_url = redis_url
        self._queue_size = queue_size
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._watchers: dict[str, set[Watch]] = {}
        self._confirmed: dict[str, asyncio.Event] = {}
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def watch(self, channel: str) -> AsyncIterator[Watch]:
        """Watch ``channel``; messages published after this returns are all offered to the watch."""
        watch = Watch(channel, self._queue_size)
        await self._add(watch)
        try:
            yield watch
        finally:
            await self._remove(watch)

    async def _add(self, watch: Watch) -> None:
        async with self._lock:
            try:
                pubsub = await self._ensure_pubsub()
                watchers = self._watchers.setdefault(watch.channel, set())
                watchers.add(watch)
                if len(watchers) == 1:
                    confirmed = self._confirmed[watch.channel] = asyncio.Event()
                    await pubsub.subscribe(watch.channel)
                    await asyncio.wait_for(confirmed.wait(), SUBSCRIBE_TIMEOUT_SECONDS)
            except (RedisError, OSError, TimeoutError) as exc:
                self._watchers.get(watch.channel, set()).discard(watch)
                logger.warning("task_events_unavailable", error_type=type(exc).__name__)
                raise HubUnavailableError("task status messages are unavailable") from exc

    async def _remove(self, watch: Watch) -> None:
        async with self._lock:
            watchers = self._watchers.get(watch.channel)
            if watchers is None:
                return
            watchers.discard(watch)
            if not watchers:
                del self._watchers[watch.channel]
                self._confirmed.pop(watch.channel, None)
                if self._pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.unsubscribe(watch.channel)

    async def _ensure_pubsub(self) -> PubSub:
        if self._pubsub is None:
            if self._redis is None:
                self._redis = Redis.from_url(self._redis_url, socket_connect_timeout=SUBSCRIBE_TIMEOUT_SECONDS)
            self._pubsub = self._redis.pubsub()
            self._reader = asyncio.create_task(self._read(self._pubsub), name="task-event-hub")
        return self._pubsub

    async def _read(self, pubsub: PubSub) -> None:
        try:
            while True:
                if pubsub.connection is None:  # nothing subscribed yet
                    await asyncio.sleep(0.01)
                    continue
                message = await pubsub.get_message(timeout=READ_TIMEOUT_SECONDS)
                if message is None:
                    continue
                channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
                if message["type"] == "subscribe":
                    event = self._confirmed.get(channel)
                    if event is not None:
                        event.set()
                elif message["type"] == "message":
                    for watch in list(self._watchers.get(channel, ())):
                        watch.offer(message["data"])
                    await asyncio.sleep(0)  # let watchers' connections take it before the next one
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            logger.warning("task_events_connection_lost", error_type=type(exc).__name__)
            await self._fail(pubsub)

    async def _fail(self, pubsub: PubSub) -> None:
        async with self._lock:
            for watchers in self._watchers.values():
                for watch in watchers:
                    watch.offer(None)
            self._watchers.clear()
            self._confirmed.clear()
            if self._pubsub is pubsub:
                self._pubsub = None
                self._reader = None
        with contextlib.suppress(RedisError, OSError):
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def aclose(self) -> None:
        """Stop reading; every watcher gets None."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        for watchers in self._watchers.values():
            for watch in watchers:
                watch.shutdown = True
                watch.offer(None)
        self._watchers.clear()
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
