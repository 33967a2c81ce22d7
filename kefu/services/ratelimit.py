"""Rate limits for Socket.IO traffic, shared by every process through the limits storage.

HTTP routes use Flask-Limiter; Socket.IO events have no request hooks, so they ask
this module, which uses the same storage (memory:// alone, redis:// for many processes).
"""
import time
from functools import lru_cache

from flask import current_app
from limits import parse as parse_limit
from limits import storage, strategies

#: A limit string ("20 per 10 seconds") is parsed once, not on every event of every visitor.
parse = lru_cache(maxsize=64)(parse_limit)


class SweptMemoryStorage(storage.MemoryStorage):
    """``memory://`` that forgets expired hits on the caller's thread, without a timer thread.

    limits' MemoryStorage starts a ``threading.Timer`` whenever its last one has finished
    (every 10 ms under load), from inside ``hit``.  Under eventlet ``threading`` is not
    patched, so that is a real OS thread started, and waited for, on the event loop: 173
    thread starts for 200 visitor messages, 14% of a message's time in process
    (cProfile).  Here the same sweep runs at most every :data:`SWEEP_SECONDS`, inline; the
    moving window's answer does not depend on it (old hits only take memory).
    """

    SWEEP_SECONDS = 1.0

    def __init__(self, uri=None, **options):
        super().__init__(uri, **options)
        self.timer.cancel()  # the one the parent started
        self._swept_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the parent's private hook
        now = time.monotonic()
        if now - self._swept_at >= self.SWEEP_SECONDS:
            self._swept_at = now
            self._MemoryStorage__expire_events()


class EventLimiter:
    """Moving-window limits keyed by (name, identity)."""

    def __init__(self, storage_uri: str):
        store = SweptMemoryStorage() if storage_uri.startswith("memory://") \
            else storage.storage_from_string(storage_uri)
        self._limiter = strategies.MovingWindowRateLimiter(store)

    def hit(self, limit: str, *identity: str) -> bool:
        """Count one hit; False when the caller is over ``limit`` (e.g. "20 per 10 seconds")."""
        return self._limiter.hit(parse(limit), *identity)

    def clear(self, limit: str, *identity: str) -> None:
        """Forget every hit counted under ``limit`` for ``identity``."""
        self._limiter.clear(parse(limit), *identity)

    def test(self, limit: str, *identity: str) -> bool:
        """True when one more hit would be allowed; counts nothing."""
        return self._limiter.test(parse(limit), *identity)


def init_app(app):
    """Create the limiter with the app's storage setting."""
    app.extensions["kefu_event_limiter"] = EventLimiter(app.config["RATELIMIT_STORAGE_URI"])


def allow(setting: str, *identity: str) -> bool:
    """True when one more event under the limit named by config ``setting`` is allowed."""
    app = current_app
    return app.extensions["kefu_event_limiter"].hit(app.config[setting], setting, *identity)


def allows(setting: str, *identity: str) -> bool:
    """True when one more event under ``setting`` would be allowed (counts nothing).

    For limits that count failures only: ask first, :func:`allow` after a failure.
    """
    app = current_app
    return app.extensions["kefu_event_limiter"].test(app.config[setting], setting, *identity)


def forgive(setting: str, *identity: str) -> None:
    """Forget the events counted under ``setting`` (a login that succeeded ends its lock window)."""
    app = current_app
    app.extensions["kefu_event_limiter"].clear(app.config[setting], setting, *identity)


def require(setting: str, *identity: str) -> None:
    """Raise ``rate_limited`` when one more event under ``setting`` is over the limit."""
    from kefu.services.errors import ServiceError

    if not allow(setting, *identity):
        raise ServiceError("rate_limited", "Too many events in a short time; slow down.")
