"""Run blocking work (database calls, the classifier) off the event loop.

Under eventlet or gevent a database driver call blocks every green thread in the
process, because drivers such as sqlite3 and psycopg wait in C.  Socket.IO handlers
therefore hand service calls to a pool of real OS threads; each call gets its own
application context, hence its own SQLAlchemy session, which is removed when the
call ends.  In ``threading`` mode (tests with the Flask-SocketIO test client) the call
runs inline, with the same fresh-context semantics.
"""
from flask import current_app

from kefu.extensions import socketio


def run_blocking(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` in a real thread inside a fresh app context."""
    app = current_app._get_current_object()

    def call():
        with app.app_context():
            return fn(*args, **kwargs)

    mode = socketio.async_mode
    if mode == "eventlet":
        from eventlet import tpool

        return tpool.execute(call)
    if mode == "gevent":
        import gevent

        return gevent.get_hub().threadpool.apply(call)
    return call()
