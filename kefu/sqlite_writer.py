"""One writer at a time per SQLite file in this process, queued on a lock instead of polled.

SQLite lets one connection write at a time.  A second writer's statement waits in
SQLite's busy handler, which sleeps and retries (1, 2, 5, 10 ... 100 ms): with twenty
threads writing visitor messages, most of a message's time went to those sleeps
(py-spy: 40% of the server's samples in INSERTs and UPDATEs waiting for the lock, the
closed-loop p50 near a second).  Here a writer takes a real OS lock right before its
first INSERT, UPDATE or DELETE and releases it when its transaction ends, so writers
of one process queue in order and each starts the moment the previous one commits.
Other processes on the same file (the CLI) still meet SQLite's own lock and its
``busy_timeout``; a server database (PostgreSQL) is not touched.

The lock is released when the connection goes back to the pool, which a session does
right after its COMMIT or ROLLBACK reached SQLite (SQLAlchemy's ``commit`` event fires
before the driver commits, too early: the next writer would meet SQLite's lock again).
A writer that waits longer than SQLite's own ``busy_timeout`` goes ahead without the
lock and lets SQLite answer, so a thread that writes through two connections at once
gets SQLite's "database is locked" as before, never a deadlock.
"""
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from bot.locks import os_lock

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
HELD = "kefu_sqlite_write_lock"  # in the connection record's info while held
WAIT_SECONDS = 10.0  # as PRAGMA busy_timeout (kefu.models)
_locks = {}  # database URL -> lock
_locks_lock = os_lock()


def lock_for(url: str):
    """The write lock of one SQLite database (one per file in this process)."""
    with _locks_lock:
        lock = _locks.get(url)
        if lock is None:
            lock = _locks[url] = os_lock()
        return lock


@event.listens_for(Engine, "before_cursor_execute")
def _before_write(conn, cursor, statement, parameters, context, executemany):
    if conn.dialect.name != "sqlite" or HELD in conn.info:
        return
    if statement.lstrip()[:7].upper().startswith(WRITES):
        lock = lock_for(str(conn.engine.url))
        if lock.acquire(timeout=WAIT_SECONDS):
            conn.info[HELD] = lock


@event.listens_for(Pool, "checkin")
def _on_checkin(dbapi_connection, connection_record):
    """Back in the pool: the transaction is over (committed or rolled back)."""
    lock = connection_record.info.pop(HELD, None)
    if lock is not None:
        lock.release()
