"""Status fan-out through Redis pub/sub: a watcher that never reads keeps only the newest
messages (drop-oldest) and never holds up another watcher or the hub."""

from __future__ import annotations

import asyncio
import secrets

from redis.asyncio import Redis

from reference_app.tasks.hub import TaskEventHub, Watch


def test_a_full_watch_drops_its_oldest_message():
    watch = Watch("c", size=3)
    for n in range(5):
        watch.offer(str(n).encode())
    assert watch.dropped == 2
    assert [watch._queue.get_nowait() for _ in range(3)] == [b"2", b"3", b"4"]


async def test_a_stalled_watcher_never_delays_another(redis_url, redis_key_prefix):
    channel = f"{redis_key_prefix}tasks:events:{secrets.token_hex(4)}"
    hub = TaskEventHub(redis_url, queue_size=4)
    publisher = Redis.from_url(redis_url)
    try:
        async with hub.watch(channel) as stalled, hub.watch(channel) as reader:
            received = []
            for n in range(100):  # each message reaches the live reader while the other stalls
                await publisher.publish(channel, str(n).encode())
                received.append(await asyncio.wait_for(reader.get(), 5))
            assert received == [str(n).encode() for n in range(100)]
            assert reader.dropped == 0
            assert [await stalled.get() for _ in range(4)] == [b"96", b"97", b"98", b"99"]
            assert stalled.dropped == 96
    finally:
        await hub.aclose()
        await publisher.aclose()


async def test_closing_the_hub_ends_every_watch(redis_url, redis_key_prefix):
    hub = TaskEventHub(redis_url, queue_size=2)
    async with hub.watch(f"{redis_key_prefix}tasks:events:x") as watch:
        await hub.aclose()
        assert await watch.get() is None
        assert watch.shutdown
