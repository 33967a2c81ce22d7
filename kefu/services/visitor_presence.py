"""Whether a visitor has an open socket, known to every process: one row per /visitor socket.

Mirrors agent presence (:mod:`kefu.services.presence`): the process that owns a socket
refreshes its rows' ``heartbeat_at``; rows of a process that died stop being refreshed
and count as gone once older than ``PRESENCE_TTL_SECONDS``.  ``Visitor.last_seen`` is
moved on when the last trace of a socket goes (a disconnect, a stale row swept), so the
lifecycle jobs can tell how long a waiting visitor has been away.

Every function takes ``now`` so tests can move time instead of sleeping.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, select, update

from kefu.extensions import db
from kefu.models import VisitorConnection, Visitor, utcnow
from kefu.services.presence import PROCESS_ID


def fresh_after(now: datetime) -> datetime:
    """Rows refreshed before this instant belong to a process that stopped."""
    return now - timedelta(seconds=current_app.config["PRESENCE_TTL_SECONDS"])


def connect(sid: str, public_id: str, now: datetime | None = None) -> None:
    """Record an open socket of the visitor ``public_id`` in this process."""
    now = now or utcnow()
    visitor_id = db.session.scalars(select(Visitor.id).where(Visitor.public_id == public_id)).one()
    db.session.merge(VisitorConnection(sid=sid, visitor_id=visitor_id, process_id=PROCESS_ID,
                                       connected_at=now, heartbeat_at=now))
    db.session.commit()


def disconnect(sid: str, now: datetime | None = None) -> None:
    """Forget a closed socket; the visitor was last seen now."""
    now = now or utcnow()
    row = db.session.get(VisitorConnection, sid)
    if row is None:
        return
    db.session.execute(update(Visitor).where(Visitor.id == row.visitor_id, Visitor.last_seen < now)
                       .values(last_seen=now))
    db.session.delete(row)
    db.session.commit()


def heartbeat(process_id: str = PROCESS_ID, now: datetime | None = None) -> None:
    """Keep this process's visitor sockets alive and sweep rows of dead processes.

    A swept row's last heartbeat becomes its visitor's ``last_seen`` (when later), so
    a visitor whose server died is counted away from the moment it stopped beating.
    """
    now = now or utcnow()
    db.session.execute(update(VisitorConnection)
                       .where(VisitorConnection.process_id == process_id)
                       .values(heartbeat_at=now))
    stale = db.session.execute(
        select(VisitorConnection.visitor_id, func.max(VisitorConnection.heartbeat_at))
        .where(VisitorConnection.heartbeat_at < fresh_after(now))
        .group_by(VisitorConnection.visitor_id)).all()
    for visitor_id, beat in stale:
        db.session.execute(update(Visitor).where(Visitor.id == visitor_id,
                                                 Visitor.last_seen < beat)
                           .values(last_seen=beat))
    if stale:
        db.session.execute(delete(VisitorConnection)
                           .where(VisitorConnection.heartbeat_at < fresh_after(now)))
    db.session.commit()


def present(visitor_id_column, now: datetime):
    """SQL: the visitor in ``visitor_id_column`` has a live socket at ``now``."""
    return exists().where(VisitorConnection.visitor_id == visitor_id_column,
                          VisitorConnection.heartbeat_at >= fresh_after(now))


def is_connected(public_id: str, now: datetime | None = None) -> bool:
    """True while the visitor has a live socket in any process."""
    return bool(db.session.scalar(select(present(Visitor.id, now or utcnow()))
                                  .where(Visitor.public_id == public_id)))


def last_presence(visitor_ids, now: datetime) -> dict:
    """``{visitor_id: when it was last known to be there}`` for visitors without a socket.

    The later of ``last_seen`` and the last beat of a stale row not yet swept.
    """
    visitor_ids = list(visitor_ids)
    if not visitor_ids:
        return {}
    seen = dict(db.session.execute(select(Visitor.id, Visitor.last_seen)
                                   .where(Visitor.id.in_(visitor_ids))).all())
    beats = dict(db.session.execute(
        select(VisitorConnection.visitor_id, func.max(VisitorConnection.heartbeat_at))
        .where(VisitorConnection.visitor_id.in_(visitor_ids))
        .group_by(VisitorConnection.visitor_id)).all())
    return {v: max(t for t in (seen.get(v), beats.get(v)) if t is not None)
            for v in visitor_ids if seen.get(v) or beats.get(v)}
