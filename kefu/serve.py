"""Serving HTTP and Socket.IO with eventlet or gevent, on a socket tuned for chat.

Flask-SocketIO's ``run`` opens the listening socket itself; kefu opens it here so it can
set ``TCP_NODELAY`` (inherited by every accepted connection on Linux).  Without it the
server's reply, ``conversation`` event and ack go out as small writes and Nagle's
algorithm holds the later ones until the client's delayed ACK: the ack of a visitor's
message arrived 40 ms late in benchmarks/roundtrip.py (51 ms against 11.7 ms with it).
"""
import socket


def listening_socket(host: str, port: int, factory=socket.socket):
    """A bound, listening TCP socket with TCP_NODELAY and SO_REUSEADDR set."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = factory(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def serve(app, host: str, port: int, async_mode: str) -> None:
    """Serve ``app`` until stopped, with the server that matches ``async_mode``."""
    if async_mode == "eventlet":
        import eventlet.green.socket
        import eventlet.wsgi

        sock = listening_socket(host, port, eventlet.green.socket.socket)
        eventlet.wsgi.server(sock, app, log_output=False)
    elif async_mode == "gevent":
        import gevent.socket
        from gevent import pywsgi

        sock = listening_socket(host, port, gevent.socket.socket)
        pywsgi.WSGIServer(sock, app, log=None).serve_forever()
    else:  # threading: development only
        from kefu.extensions import socketio

        socketio.run(app, host=host, port=port, log_output=False, use_reloader=False,
                     allow_unsafe_werkzeug=True)
