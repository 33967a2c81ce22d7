"""Per-process background loops: visitor presence beats and the lifecycle jobs.

Every server process runs both (started by ``kefu serve`` before it serves).  The
presence loop refreshes this process's visitor sockets; the lifecycle loop asks for
the deployment-wide lease every ``LIFECYCLE_CHECK_SECONDS`` and, in the one process
that holds it, runs the jobs and tells everyone what changed.  Database work goes
through :func:`kefu.concurrency.run_blocking`, so the event loop never waits on it;
the loops sleep with ``socketio.sleep``, which is green under eventlet and gevent.
"""
import logging

from flask import current_app

from kefu.concurrency import run_blocking
from kefu.extensions import socketio
from kefu.realtime import broadcast
from kefu.services import lifecycle_jobs, visitor_presence

log = logging.getLogger(__name__)


def start(app) -> None:
    """Start this process's loops once (idempotent)."""
    if "kefu_lifecycle" in app.extensions:
        return
    app.extensions["kefu_lifecycle"] = socketio.start_background_task(_lifecycle_loop, app)
    app.extensions["kefu_visitor_presence"] = socketio.start_background_task(
        _visitor_presence_loop, app)


def after_disconnect(fn, *args) -> None:
    """Run ``fn(*args)`` off the disconnect handler (in a fresh app context, off the loop).

    Under eventlet and gevent a green thread does it, so the closing socket's slot is
    free at once (``ConnectionLimit``); the threading mode (the test client) runs it
    inline, so tests see its effect when the disconnect returns.
    """
    if socketio.async_mode == "threading":
        run_blocking(fn, *args)
        return
    app = current_app._get_current_object()

    def call():
        try:
            with app.app_context():
                run_blocking(fn, *args)
        except Exception:
            log.exception("after-disconnect work failed")

    socketio.start_background_task(call)


def run_lifecycle(now=None) -> lifecycle_jobs.JobsRun:
    """One tick: the jobs (if this process holds the lease), then what they changed."""
    run = run_blocking(lifecycle_jobs.run_jobs, now=now)
    for outcome in run.outcomes():
        broadcast.deliver(outcome)
    return run


def _lifecycle_loop(app):
    while True:
        socketio.sleep(app.config["LIFECYCLE_CHECK_SECONDS"])
        try:
            with app.app_context():
                run_lifecycle()
        except Exception:  # a missed run is made up by the next one
            log.exception("lifecycle jobs failed")


def _visitor_presence_loop(app):
    while True:
        socketio.sleep(app.config["PRESENCE_HEARTBEAT_SECONDS"])
        try:
            with app.app_context():
                run_blocking(visitor_presence.heartbeat)
        except Exception:  # a missed beat only ages the rows; try again next time
            log.exception("visitor presence heartbeat failed")
