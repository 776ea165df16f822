"""An upstream that keeps failing, on a real socket: the fault behind property 26's http runs.

Point a private instance of the app's upstream URL at it (the bundled app:
``APP_MODEL_SERVER_URL``) and pick how it fails; every request fails the same way until
the mode changes. Its answers carry planted internals (a traceback, a file path, an
address) that the app must never pass on.

    with FailingUpstream() as upstream:
        upstream.mode = "hang"          # never answers within the app's timeout
        ... requests to the app ...

Modes: ``error`` (500 with a traceback body), ``unavailable`` (503), ``bad_gateway``
(502), ``reset`` (closes the connection without an answer), ``hang`` (answers only after
``hang_s``, past any sane client timeout).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

#: Text planted in every failing answer; none of it may reach the app's clients.
PLANTED_INTERNALS = (
    'Traceback (most recent call last):\n  File "/srv/model-server/worker.py", line 42, in draft\n'
    "gauntlet-upstream-internal-7Qx: connection to 10.9.8.7:5432 refused"
)
#: Fragments of ``PLANTED_INTERNALS`` a response is searched for.
PLANTED_MARKERS = ("gauntlet-upstream-internal", "/srv/model-server", "10.9.8.7")
MODES = ("error", "unavailable", "bad_gateway", "reset", "hang")
#: How long a hanging answer takes (the app's per-attempt timeout must be shorter).
DEFAULT_HANG_S = 5.0
_STATUS = {"error": 500, "unavailable": 503, "bad_gateway": 502}
#: Settings of the bundled app (APP_*) that keep a fault run short: one attempt may take
#: 0.3 s, two attempts with 10 ms backoff, and a breaker that admits trials again after
#: 0.5 s (so a run sees 502/504 from exhausted retries AND 503 from the open breaker).
FAULT_RUN_ENV = {
    "APP_MODEL_SERVER__TIMEOUT_SECONDS": "0.3",
    "APP_MODEL_SERVER__RETRY__MAX_ATTEMPTS": "2",
    "APP_MODEL_SERVER__RETRY__BASE_SECONDS": "0.01",
    "APP_MODEL_SERVER__BREAKER__OPEN_SECONDS": "0.5",
}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that gave up (the app's timeout) close the socket under a hanging answer:
        the broken pipe is the expected end, not an error to print."""
        return


class FailingUpstream:
    """A threaded HTTP server on 127.0.0.1 (a free port) that fails every request."""

    def __init__(self, mode: str = "error", *, hang_s: float = DEFAULT_HANG_S) -> None:
        self.mode = mode
        self.hang_s = hang_s
        self.requests = 0
        self._closing = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="failing-upstream", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return  # quiet: the test output is not the place for an access log

            def _fail(self) -> None:
                upstream.requests += 1
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                mode = upstream.mode
                if mode not in MODES:
                    raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
                if mode == "reset":
                    # SO_LINGER 0: close with a TCP RST, the client sees a reset connection.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    self.close_connection = True
                    return
                if mode == "hang":
                    upstream._closing.wait(upstream.hang_s)
                    status = 200
                else:
                    status = _STATUS[mode]
                body = json.dumps({"detail": PLANTED_INTERNALS}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _fail

        return Handler

    def start(self) -> FailingUpstream:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()  # hanging answers end now
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FailingUpstream:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
