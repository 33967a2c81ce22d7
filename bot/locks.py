"""A lock that real OS threads can share, whatever the server's async mode patched.

The bot is called from a server's thread pool (real OS threads), and under gevent's
``patch_all`` ``threading.Lock`` is a gevent lock that belongs to one thread's hub:
taken from the pool by several calls at once, waiters on other threads are never woken
(three of four first messages hung on a fresh gevent server while the bot loaded).
Under eventlet kefu leaves ``threading`` unpatched.  Here in `bot/` (which knows nothing
of kefu) so that the encoder's cache and kefu's own locks use the same rule.
"""
import threading


def os_lock():
    """Return a lock of the operating system's threads, never a green one."""
    try:
        from gevent import monkey
    except ImportError:  # gevent is an extra
        return threading.Lock()
    if monkey.is_module_patched("threading"):
        return monkey.get_original("_thread", "allocate_lock")()
    return threading.Lock()
