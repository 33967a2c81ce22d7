"""A deployment-wide lease: one row per name, held by one process until it expires.

Periodic jobs must run once per deployment, not once per process.  Each process's loop
asks for the lease every tick; whoever holds it runs the jobs and renews it, the others
skip.  A holder that dies stops renewing and another process takes over when the lease
expires.

Why a row and not PostgreSQL advisory locks: an advisory lock belongs to one database
session, so the holder would have to keep one pooled connection checked out for as long
as it holds it (the jobs run in pool threads, each with its own session), and SQLite
would need a second mechanism anyway.  A row with a holder and an expiry is taken by
a conditional UPDATE, or an INSERT that the primary key lets only one process win; both
are atomic on SQLite (one writer at a time) and on PostgreSQL (the losing UPDATE waits
for the winner, then finds the row no longer expired), and it shows who holds the lease
until when.  The jobs themselves change state with conditional UPDATEs too, so a job
running twice in the moment a lease changes hands still changes each chat once.
"""
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import Lease, utcnow


def acquire(name: str, holder: str, seconds: float, now: datetime | None = None) -> bool:
    """Take or renew the lease ``name`` for ``holder`` for ``seconds``; True if held now."""
    now = now or utcnow()
    expires = now + timedelta(seconds=seconds)
    db.session.rollback()  # no read snapshot may precede the write below
    taken = db.session.execute(
        update(Lease).where(Lease.name == name,
                            or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=expires,
                acquired_at=case((Lease.holder == holder, Lease.acquired_at), else_=now))
        .execution_options(synchronize_session=False)).rowcount == 1
    if taken:
        db.session.commit()
        return True
    db.session.rollback()
    db.session.add(Lease(name=name, holder=holder, expires_at=expires, acquired_at=now))
    try:
        db.session.commit()
        return True
    except IntegrityError:  # the row exists and someone else holds it
        db.session.rollback()
        return False


def release(name: str, holder: str) -> None:
    """Give the lease up now (a process shutting down), if ``holder`` has it."""
    db.session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                       .values(expires_at=utcnow()))
    db.session.commit()


def holder_of(name: str, now: datetime | None = None):
    """Who holds ``name`` at ``now``, or None when nobody does."""
    row = db.session.get(Lease, name)
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row.holder
