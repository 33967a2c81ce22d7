"""Serving HTTP and Socket.IO with eventlet or gevent, on a socket tuned for chat.

Flask-SocketIO's ``run`` opens the listening socket itself; kefu opens it here so it can
set ``TCP_NODELAY`` (inherited by every accepted connection on Linux).  Without it the
server's reply, ``conversation`` event and ack go out as small writes and Nagle's
algorithm holds the later ones until the client's delayed ACK: the ack of a visitor's
message arrived 40 ms late in benchmarks/roundtrip.py (51 ms against 11.7 ms with it).

How many visitors one process holds is ``MAX_CONNECTIONS`` (``KEFU_MAX_CONNECTIONS``).
eventlet's own default of 1,024 green threads made the 1,025th visitor wait in the
accept queue until it timed out; here the server's pool, the listen backlog and the
process's file limit are all raised to match the setting, and a connection over it is
answered at once with ``503 server_full`` (:class:`ConnectionLimit`) instead of hanging.
"""
import json
import resource
import socket
import threading

#: File descriptors kept for everything that is not a client: database, Redis, logs, model.
SPARE_FILES = 256
#: Requests the pool accepts beyond the limit, so that a refusal can still be written.
REFUSAL_HEADROOM = 64


def listening_socket(host: str, port: int, factory=socket.socket, backlog: int = 128):
    """A bound, listening TCP socket with TCP_NODELAY and SO_REUSEADDR set."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = factory(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)  # the kernel caps it at net.core.somaxconn
    return sock


def raise_file_limit(wanted: int) -> int:
    """Lift the soft open-files limit towards ``wanted`` (never above the hard limit).

    Returns the soft limit now in force.  Every connection is a file descriptor, and
    Debian's default soft limit (1,024) would refuse visitors long before the setting.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


class ConnectionLimit:
    """WSGI middleware: at most ``limit`` requests in flight; the next gets ``503``.

    A websocket is one request for as long as it is open and a long-poll is one while
    it waits, so requests in flight are the connections a process holds.  The refusal
    is the protocol's error shape, so socket.io-client reports it as a failed connect
    and retries later (``Retry-After``).
    """

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            admitted = self.active < self.limit
            if admitted:
                self.active += 1
        if not admitted:
            return self.refuse(start_response)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._release()
            raise
        return _Counted(body, self._release)

    def _release(self):
        with self._lock:
            self.active -= 1

    def refuse(self, start_response):
        """``503`` with ``{"ok": false, "error": {"code": "server_full", ...}}``."""
        body = json.dumps({"ok": False, "error": {
            "code": "server_full",
            "message": "This server holds as many connections as it may; try again soon."}})
        start_response("503 Service Unavailable", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", "5"), ("Connection", "close")])
        return [body.encode()]


class _Counted:
    """A response body that frees its connection slot when the server closes it.

    WSGI servers call ``close()`` once the body is sent (or the client went away), which
    for a websocket is when the socket ends: the slot is held exactly that long.
    """

    def __init__(self, body, release):
        self.body = body
        self.release = release
        self.released = False

    def __iter__(self):
        return iter(self.body)

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            if not self.released:
                self.released = True
                self.release()


def serve(app, host: str, port: int, async_mode: str) -> None:
    """Serve ``app`` until stopped, with the server that matches ``async_mode``."""
    limit = int(app.config["MAX_CONNECTIONS"])
    raise_file_limit(limit + REFUSAL_HEADROOM + SPARE_FILES)
    wsgi = ConnectionLimit(app, limit)
    pool_size = limit + REFUSAL_HEADROOM
    if async_mode == "eventlet":
        import eventlet.green.socket
        import eventlet.wsgi

        sock = listening_socket(host, port, eventlet.green.socket.socket, backlog=pool_size)
        eventlet.wsgi.server(sock, wsgi, log_output=False, max_size=pool_size)
    elif async_mode == "gevent":
        import gevent.socket
        from gevent import pywsgi
        from gevent.pool import Pool

        sock = listening_socket(host, port, gevent.socket.socket, backlog=pool_size)
        pywsgi.WSGIServer(sock, wsgi, log=None, spawn=Pool(pool_size)).serve_forever()
    else:  # threading: development only
        from kefu.extensions import socketio

        socketio.run(app, host=host, port=port, log_output=False, use_reloader=False,
                     allow_unsafe_werkzeug=True)
