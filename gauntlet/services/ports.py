"""Free TCP ports for private servers.

``redis-server --port 0`` does not pick a port (it disables TCP), and PostgreSQL has no
such option either: we ask the kernel for one by binding to port 0, then hand it over.
Another process may grab it in between, so starters retry on a failed start.
"""

from __future__ import annotations

import socket

#: Interface private servers listen on: never reachable from another machine.
LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nothing listened on a moment ago.

    Example::

        port = free_port()
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
