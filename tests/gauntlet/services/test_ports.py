import socket

from gauntlet.services.ports import free_port


def test_free_port_is_bindable_on_loopback():
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
    assert 0 < port < 65536
