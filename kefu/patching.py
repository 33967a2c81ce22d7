"""Monkey-patching for the async mode, done before anything else is imported.

eventlet is patched with ``thread=False``: kefu runs every database call in eventlet's
pool of real OS threads (:mod:`kefu.concurrency`), and SQLAlchemy's connection pool
must then use real locks.  With ``threading`` patched too, its green locks are taken
from those OS threads and concurrent writers deadlock (seen with 60 green threads
writing through the pool: eventlet never finished, ``thread=False`` finished in 4 s).
Socket.IO itself uses eventlet's own primitives, so it does not need ``threading``
patched.  gevent's thread pool copes with ``patch_all()``, so gevent is patched fully.
"""
import warnings

from kefu.config import ASYNC_MODES  # stdlib imports only: safe before patching


def patch(mode: str) -> None:
    """Patch the standard library for ``mode``; ``threading`` patches nothing."""
    if mode == "eventlet":
        # Chosen knowingly (the brief's default); gevent is the way out of bugfix-only eventlet.
        warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")
        import eventlet

        eventlet.monkey_patch(thread=False)
    elif mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
    elif mode != "threading":
        raise SystemExit(f"unknown async mode {mode!r}: use {', '.join(ASYNC_MODES)}")
