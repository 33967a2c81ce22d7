"""The server's socket sends small frames at once (TCP_NODELAY), on every accepted connection."""
import socket

from kefu.serve import listening_socket


def test_accepted_connections_have_nagle_switched_off():
    server = listening_socket("127.0.0.1", 0)
    try:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        try:
            assert server.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        finally:
            accepted.close()
            client.close()
    finally:
        server.close()
