"""``WS /api/v1/ws/tasks/{id}`` with a client that stops reading: the server gives up on it
after ``APP_TASKS__WS_SEND_TIMEOUT_SECONDS`` and closes it with 4408, while another client
of the same task receives every status message and the final close (1000).

The stalled client is a raw TCP socket with a tiny receive buffer that reads nothing after
the snapshot (a client library would keep reading into its own buffers). The server's
listening socket has a small send buffer too (accepted sockets inherit it), so a few
status messages fill the path and uvicorn's transport pauses writing to it. Messages are
made through the worker's code path: ``TaskStore.transition`` then ``TaskRuntime.publish``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from reference_app.api.ws import CLOSE_FINAL, CLOSE_TOO_SLOW
from reference_app.app import create_app
from reference_app.db.models import TaskStatus
from reference_app.settings import Settings
from reference_app.tasks.runtime import TaskRuntime

from ..conftest import sign_up
from .support import WAIT_BOUND_S, wait_for

pytestmark = pytest.mark.slow

#: Status messages buffered per connection: small, so the stalled client's queue overflows.
QUEUE_SIZE = 2
#: Seconds one send may block before the server gives up on the client. The live client
#: is never near it: each message is sent to it only after it took the previous one.
SEND_TIMEOUT_S = 1.0
#: Bytes of the stalled client's socket receive buffer (Linux doubles it, with a floor).
CLIENT_RCVBUF = 4096
#: Bytes of the server's socket send buffer (fixed: no autotuning to megabytes).
SERVER_SNDBUF = 16384
#: Bytes of error text each RETRY records: every later message carries it, so a handful of
#: messages exceed both socket buffers plus the transport's 64 KiB high-water mark.
ERROR_TEXT_BYTES = 16384
#: Seconds a socket read may block (generous: a shared 2-core machine).
READ_TIMEOUT_S = 30.0


@dataclass
class CloseRecorder:
    """ASGI wrapper: the close code the app sends on each WebSocket, by client port.

    Recorded when the app hands ``websocket.close`` to the server, before the server has
    written it: the stalled client cannot take the close frame until it reads again.
    """

    app: Any
    codes: dict[int, int] = field(default_factory=dict)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        port = scope["client"][1]

        async def recording_send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.close":
                self.codes[port] = message.get("code", 1000)
            await send(message)

        await self.app(scope, receive, recording_send)


@dataclass(frozen=True)
class Server:
    address: str
    settings: Settings
    closes: CloseRecorder


@pytest.fixture
def server(task_settings) -> Iterator[Server]:
    """The app under uvicorn in a thread, on a listening socket with a small send buffer."""
    settings = task_settings(ws_queue_size=QUEUE_SIZE, ws_send_timeout_seconds=SEND_TIMEOUT_S)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SERVER_SNDBUF)
    listener.bind(("127.0.0.1", 0))
    closes = CloseRecorder(create_app(settings))
    config = uvicorn.Config(closes, log_config=None, access_log=False, lifespan="on")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, kwargs={"sockets": [listener]}, name="uvicorn", daemon=True)
    thread.start()
    try:
        wait_for(lambda: instance.started, "uvicorn to start")
        yield Server(f"127.0.0.1:{listener.getsockname()[1]}", settings, closes)
    finally:
        instance.should_exit = True
        thread.join(15)
        listener.close()


class StalledClient:
    """A WebSocket client on a raw socket (websockets' sans-I/O protocol for the framing)
    that reads the handshake and the snapshot, then nothing until ``read_to_end``."""

    def __init__(self, address: str, path: str) -> None:
        host, port = address.split(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, CLIENT_RCVBUF)  # before connect: the window
        self.sock.settimeout(READ_TIMEOUT_S)
        self.sock.connect((host, int(port)))
        self.port: int = self.sock.getsockname()[1]
        self.protocol = ClientProtocol(parse_uri(f"ws://{address}{path}"))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.texts: list[dict[str, Any]] = []
        while not self.texts:
            self._read_once()
        assert self.protocol.state is State.OPEN

    def _flush(self) -> None:
        data = b"".join(self.protocol.data_to_send())
        if data:
            self.sock.sendall(data)

    def _read_once(self) -> bool:
        data = self.sock.recv(65536)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                assert event.status_code == 101, event
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.texts.append(orjson.loads(event.data))
        self._flush()  # the close reply, pongs
        return bool(data)

    def read_to_end(self) -> int | None:
        """Read everything the server still sends, until it closes the TCP connection; the close code."""
        while self._read_once():
            pass
        return self.protocol.close_rcvd.code if self.protocol.close_rcvd is not None else None

    def close(self) -> None:
        self.sock.close()


async def _accepted_task(address: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        owner = await sign_up(http)
        # No worker reads this test's queue: the test itself moves the task.
        accepted = (await http.post("/api/v1/exports", json={}, headers=owner.headers)).json()
    return accepted["task_id"], owner.access_token


async def test_a_client_that_stops_reading_is_closed_4408_while_another_gets_every_message(server):
    task_id, token = await _accepted_task(server.address)
    path = f"/api/v1/ws/tasks/{task_id}?access_token={token}"
    stalled = await asyncio.to_thread(StalledClient, server.address, path)
    runtime = TaskRuntime(server.settings)  # the worker's store and publisher
    try:
        assert [(m["status"], m["version"]) for m in stalled.texts] == [("PENDING", 1)]
        async with connect(f"ws://{server.address}{path}") as live:
            snapshot = orjson.loads(await asyncio.wait_for(live.recv(), READ_TIMEOUT_S))
            assert (snapshot["status"], snapshot["version"]) == ("PENDING", 1)

            async def move(status: TaskStatus, **values: Any) -> dict[str, Any]:
                moved = await asyncio.to_thread(runtime.store.transition, uuid.UUID(task_id), status, **values)
                assert moved is not None, status
                await asyncio.to_thread(runtime.publish, moved)
                message = orjson.loads(await asyncio.wait_for(live.recv(), READ_TIMEOUT_S))
                assert (message["status"], message["version"]) == (status.value, moved.version)
                return message

            # The live client takes each message before the next is made, so it never falls
            # behind; the stalled one's socket fills, its send blocks, and the server gives up.
            received = [await move(TaskStatus.STARTED)]
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WAIT_BOUND_S
            while stalled.port not in server.closes.codes:
                assert loop.time() < deadline, "the server never gave up on the stalled client"
                received.append(await move(TaskStatus.RETRY, error="e" * ERROR_TEXT_BYTES))
                received.append(await move(TaskStatus.STARTED))
            assert server.closes.codes[stalled.port] == CLOSE_TOO_SLOW
            received.append(await move(TaskStatus.SUCCESS, result={"rows": 0}, error=None))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(live.recv(), READ_TIMEOUT_S)
            assert live.close_code == CLOSE_FINAL

        versions = [m["version"] for m in received]
        assert versions == list(range(2, 2 + len(versions)))  # every one, in order, none dropped
        assert received[-1]["status"] == "SUCCESS"

        # The stalled client reads again: what the server had written, then the 4408 close.
        code = await asyncio.to_thread(stalled.read_to_end)
        assert code == CLOSE_TOO_SLOW
        late = [m["version"] for m in stalled.texts[1:]]
        assert late == sorted(set(late))  # in order, no duplicates (gaps are allowed: drop-oldest)
        assert len(late) < len(versions)  # it did fall behind
        assert all(m["status"] != "SUCCESS" for m in stalled.texts)  # it was gone before the final status
    finally:
        stalled.close()
        await asyncio.to_thread(runtime.close)
