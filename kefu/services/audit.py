"""The audit log of admin and editor actions: written beside each change, read on /admin/audit.

:func:`record` only adds the entry to the session; the caller's commit stores it with
the change itself, so the log and the data cannot disagree.
"""
from datetime import datetime

from sqlalchemy import select

from kefu.extensions import db
from kefu.models import AuditEntry, User

#: Every action the log knows, so the filter can offer them and a typo cannot hide one.
ACTIONS = ("user.create", "user.update", "user.role", "user.deactivate", "user.reactivate",
           "user.password_reset", "setting.update",
           "intent.create", "intent.update", "intent.delete", "intent.move",
           "inbox.assign", "inbox.dismiss", "model.train", "model.publish")
PAGE_SIZE = 100


def actor_label(user) -> str:
    """How an actor is named in the log (their email then; ``cli`` without a user)."""
    return user.email if user is not None else "cli"


def record(actor, action: str, target_kind: str, target_id=None, old=None, new=None) -> None:
    """Add one entry for ``actor`` (a User or None for the CLI); the caller commits."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    db.session.add(AuditEntry(
        actor_user_id=actor.id if actor is not None else None, actor_label=actor_label(actor),
        action=action, target_kind=target_kind,
        target_id=None if target_id is None else str(target_id),
        old_value=old, new_value=new))


def serialize(entry: AuditEntry) -> dict:
    """An entry as the page and the tests read it."""
    return {"id": entry.id, "at": entry.created_at.isoformat(), "actor": entry.actor_label,
            "actor_user_id": entry.actor_user_id, "action": entry.action,
            "target_kind": entry.target_kind, "target_id": entry.target_id,
            "old": entry.old_value, "new": entry.new_value}


def entries(*, actor_id=None, action=None, target_kind=None, target_id=None,
            since: datetime | None = None, until: datetime | None = None,
            before_id=None, limit=PAGE_SIZE) -> list:
    """Entries newest first, filtered; ``before_id`` pages back through older ones."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_user_id == actor_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if target_kind:
        query = query.where(AuditEntry.target_kind == target_kind)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return [serialize(e) for e in db.session.scalars(query)]


def actors() -> list:
    """``[(id, label)]`` of users who appear in the log, for the filter's menu."""
    ids = select(AuditEntry.actor_user_id).where(AuditEntry.actor_user_id.is_not(None)).distinct()
    return [(u.id, u.email) for u in db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.email))]
