"""Agents at the desk: who is connected (presence), who they are, how many chats each holds.

Presence is one :class:`AgentConnection` row per open ``/agent`` socket, so every
process sees every agent.  An agent with several tabs is ``online`` when any tab is
online, ``away`` when every tab is away, ``offline`` with no live tab.  Rows whose
heartbeat is older than ``PRESENCE_TTL_SECONDS`` belong to a process that died and
count for nothing.
"""
import os
import secrets
import socket
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from kefu.extensions import db
from kefu.models import DESK_ROLES, AgentConnection, Conversation, LoginSession, User, utcnow
from kefu.services.errors import ServiceError

#: Names this process in AgentConnection rows (host, pid and a random part).
PROCESS_ID = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
STATUSES = ("online", "away")


def desk_user(user_id, login_id=None) -> dict:
    """The active agent or admin ``user_id`` as a dict; ServiceError otherwise.

    With ``login_id`` the login session the socket rode in on must be live as well
    (``session_revoked`` once logout, a password change or deactivation ended it).
    """
    user = db.session.get(User, int(user_id)) if user_id is not None else None
    if user is None:
        raise ServiceError("unauthorized", "Log in as an agent first.")
    if login_id is not None:
        login = db.session.get(LoginSession, login_id)
        if login is None or login.user_id != user.id or login.revoked_at is not None:
            raise ServiceError("session_revoked", "This login has ended; log in again.")
    if not user.is_desk_user:
        raise ServiceError("forbidden", "Only active agents and admins may use the desk.")
    return {"id": user.id, "name": user.name, "role": user.role}


def desk_user_of_login(login_id) -> dict:
    """The desk user behind a login session id from the cookie (``unauthorized`` if none)."""
    login = db.session.get(LoginSession, login_id) if isinstance(login_id, str) else None
    if login is None:
        raise ServiceError("unauthorized", "Log in as an agent first.")
    return desk_user(login.user_id, login_id)


def revoked_sockets(process_id: str = PROCESS_ID) -> list:
    """Sids of this process's sockets whose login ended or whose user may no longer work.

    Each process sweeps its own sockets with this, so a revocation made where no socket
    server runs (the CLI, a process without a message queue) still cuts them soon.
    """
    rows = db.session.execute(
        select(AgentConnection.sid)
        .join(User, User.id == AgentConnection.user_id)
        .outerjoin(LoginSession, LoginSession.id == AgentConnection.login_id)
        .where(AgentConnection.process_id == process_id)
        .where((LoginSession.id.is_(None)) | (LoginSession.revoked_at.is_not(None))
               | (User.active.is_(False)) | (User.role.not_in(DESK_ROLES))))
    return [sid for (sid,) in rows]


def _fresh_after():
    return utcnow() - timedelta(seconds=current_app.config["PRESENCE_TTL_SECONDS"])


def connect(sid: str, user_id: int, login_id: str | None = None) -> None:
    """Record an open socket of ``user_id`` (online), made under browser login ``login_id``."""
    db.session.merge(AgentConnection(sid=sid, user_id=user_id, process_id=PROCESS_ID,
                                     login_id=login_id, status="online",
                                     connected_at=utcnow(), heartbeat_at=utcnow()))
    db.session.commit()


def sockets_of_logins(login_ids) -> list:
    """The sids of every socket (in any process) opened under these browser logins."""
    login_ids = list(login_ids)
    if not login_ids:
        return []
    return list(db.session.scalars(select(AgentConnection.sid)
                                   .where(AgentConnection.login_id.in_(login_ids))))


def disconnect(sid: str) -> None:
    """Forget a closed socket."""
    db.session.execute(delete(AgentConnection).where(AgentConnection.sid == sid))
    db.session.commit()


def set_status(sid: str, status: str) -> None:
    """Set one socket's status (``online`` or ``away``)."""
    if status not in STATUSES:
        raise ServiceError("invalid_status", "status must be 'online' or 'away'.")
    db.session.execute(update(AgentConnection).where(AgentConnection.sid == sid)
                       .values(status=status, heartbeat_at=utcnow()))
    db.session.commit()


def heartbeat(process_id: str = PROCESS_ID) -> None:
    """Keep this process's sockets alive and drop rows of dead processes."""
    now = utcnow()
    db.session.execute(update(AgentConnection).where(AgentConnection.process_id == process_id)
                       .values(heartbeat_at=now))
    db.session.execute(delete(AgentConnection).where(AgentConnection.heartbeat_at < _fresh_after()))
    db.session.commit()


def statuses() -> dict:
    """``{user_id: "online" | "away"}`` for every agent with a live socket."""
    rows = db.session.execute(
        select(AgentConnection.user_id, AgentConnection.status)
        .where(AgentConnection.heartbeat_at >= _fresh_after())
    ).all()
    result = {}
    for user_id, status in rows:
        if status == "online" or user_id not in result:
            result[user_id] = status
    return result


def status_of(user_id: int) -> str:
    """``online``, ``away`` or ``offline``."""
    return statuses().get(user_id, "offline")


def open_chat_counts() -> dict:
    """``{user_id: number of conversations in state agent assigned to them}``."""
    rows = db.session.execute(
        select(Conversation.assigned_agent_id, func.count(Conversation.id))
        .where(Conversation.state == "agent", Conversation.assigned_agent_id.is_not(None))
        .group_by(Conversation.assigned_agent_id)
    ).all()
    return dict(rows)


def online_agent_ids() -> list:
    """Active desk users with at least one socket set to online."""
    online = [uid for uid, status in statuses().items() if status == "online"]
    if not online:
        return []
    return list(db.session.scalars(select(User.id).where(
        User.id.in_(online), User.active.is_(True), User.role.in_(DESK_ROLES))))


def agent_list() -> list:
    """Every active agent and admin with status and open chats (the ``agents`` event)."""
    status = statuses()
    counts = open_chat_counts()
    users = db.session.scalars(select(User).where(User.active.is_(True),
                                                  User.role.in_(DESK_ROLES))
                               .order_by(User.name, User.id)).all()
    return [{"id": u.id, "name": u.name, "role": u.role,
             "status": status.get(u.id, "offline"), "open_chats": counts.get(u.id, 0)}
            for u in users]
