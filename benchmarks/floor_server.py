"""The framework floor: a bare Flask-SocketIO server that only echoes a visitor's message.

benchmarks/load.py measures kefu against this server so that its figures say how much
kefu costs on top of Flask-SocketIO itself, on the same machine in the same run (the
machine is noisy, ratios are what carry over).  To make the comparison fair it differs
from ``kefu run`` only in the application: the same monkey-patching
(:func:`kefu.patching.patch`, eventlet with ``thread=False``), and the same server
(:func:`kefu.serve.serve`: a ``TCP_NODELAY`` listening socket, the raised pool, backlog and
file limit, the connection-limit middleware).  Its ``/visitor`` namespace speaks just
enough of docs/protocol.md for the load generator: ``session`` on connect, and a
``message`` answered with a bot-like ``message`` whose ``reply_to`` is the question's
``client_msg_id``, then the ack.  No database, no bot, no rate limits.

``--drop-every K`` / ``--repeat-every K`` make every K-th answer go missing or come twice;
the suite uses them to show that the benchmark's lost and duplicated counts can fail.

Usage: ``python benchmarks/floor_server.py --port 5050 --async-mode gevent``
"""
import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: As many as kefu's default, so the floor never refuses a visitor the benchmark sends.
MAX_CONNECTIONS = 10000


def build_app(async_mode: str, drop_every: int = 0, repeat_every: int = 0):
    """The echo app; imported only after :func:`kefu.patching.patch` has run."""
    from flask import Flask
    from flask_socketio import SocketIO, emit

    app = Flask("kefu-floor")
    app.config["MAX_CONNECTIONS"] = MAX_CONNECTIONS
    socketio = SocketIO(app, async_mode=async_mode, manage_session=False)
    received = itertools.count(1)

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @socketio.on("connect", namespace="/visitor")
    def on_connect(auth=None):
        emit("session", {"protocol": 0, "visitor_id": "floor", "conversation_id": None})

    @socketio.on("message", namespace="/visitor")
    def on_message(payload):
        number = next(received)
        reply = {"sender": "bot", "reply_to": payload.get("client_msg_id"),
                 "text": payload.get("text")}
        if not (drop_every and number % drop_every == 0):
            emit("message", reply)
        if repeat_every and number % repeat_every == 0:
            emit("message", reply)
        return {"ok": True, "duplicate": False}

    return app, socketio


def main(argv=None):
    """Patch for the mode, then serve the echo app until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--async-mode", choices=["eventlet", "gevent"], default="eventlet")
    parser.add_argument("--drop-every", type=int, default=0, help="leave every K-th unanswered")
    parser.add_argument("--repeat-every", type=int, default=0, help="answer every K-th twice")
    args = parser.parse_args(argv)
    from kefu.patching import patch

    patch(args.async_mode)
    app, socketio = build_app(args.async_mode, args.drop_every, args.repeat_every)
    from kefu.serve import serve

    print(f"floor on http://{args.host}:{args.port} ({socketio.async_mode})", flush=True)
    serve(app, args.host, args.port, socketio.async_mode)


if __name__ == "__main__":
    main()
