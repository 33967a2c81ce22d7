"""Staff accounts: create, edit, change role, deactivate, reactivate, reset a password.

One function per action, used by the admin pages and the CLI alike, so that a user
deactivated either way loses their sessions and sockets and their open chats go back
to the queue.  Every change is written to the audit log in its own transaction, and
the domain signals (:mod:`kefu.signals`) go out after the commit.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import ROLES, Conversation, User
from kefu.services import audit, lifecycle, mail
from kefu.services.errors import ServiceError
from kefu.signals import chats_requeued, sessions_revoked

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DESK_ROLES = ("admin", "agent")
MIN_PASSWORD = 10
RESET_SALT = "kefu-password-reset"


@dataclass
class Changed:
    """What an account change did, beyond the row: for the page and for the signals."""

    user: dict
    login_ids: list = field(default_factory=list)
    requeued: list = field(default_factory=list)
    password: str | None = None  # a generated one-time password, shown once
    mailed: bool = False  # a link to set the password went out by email


def serialize(user: User) -> dict:
    """The fields the admin pages show."""
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "active": bool(user.active), "created_at": user.created_at.isoformat()}


def list_users() -> list:
    """Every account, active ones first, then by name."""
    return [serialize(u) for u in db.session.scalars(
        select(User).order_by(User.active.desc(), User.name, User.id))]


def get(user_id: int) -> User:
    """The user ``user_id`` or ``not_found``."""
    user = db.session.get(User, user_id)
    if user is None:
        raise ServiceError("not_found", f"There is no user {user_id}.")
    return user


def by_email(email: str) -> User | None:
    """The user with this email, any case."""
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())).first()


def _clean_email(email) -> str:
    email = (email or "").strip().lower() if isinstance(email, str) or email is None else ""
    if not EMAIL.match(email) or len(email) > 255:
        raise ServiceError("invalid_email", "That does not look like an email address.")
    return email


def _clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) or name is None else ""
    if not name:
        raise ServiceError("empty_field", "The name must not be empty.")
    if len(name) > 120:
        raise ServiceError("field_too_long", "The name is longer than 120 characters.")
    return name


def _clean_role(role) -> str:
    if role not in ROLES:
        raise ServiceError("invalid_role", f"The role is one of {', '.join(ROLES)}.")
    return role


def check_password_strength(password) -> str:
    """A new password must be at least ``MIN_PASSWORD`` characters (and at most 200)."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= 200:
        raise ServiceError("weak_password",
                           f"A password needs {MIN_PASSWORD} to 200 characters.")
    return password


def create(actor, email, name, role, password=None) -> Changed:
    """A new active account; without ``password`` a random one is made and returned once.

    A given password is the operator's own (the CLI); people choosing theirs on a page
    go through :func:`check_password_strength`.
    """
    email, name, role = _clean_email(email), _clean_name(name), _clean_role(role)
    if by_email(email) is not None:
        raise ServiceError("duplicate_email", f"A user with email {email} exists already.")
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    user = User(email=email, name=name, role=role, active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, None,
                 {"email": email, "name": name, "role": role})
    db.session.commit()
    return Changed(serialize(user), password=generated)


def update(actor, user_id, email, name) -> Changed:
    """Change a user's name and email."""
    user = get(user_id)
    email, name = _clean_email(email), _clean_name(name)
    other = by_email(email)
    if other is not None and other.id != user.id:
        raise ServiceError("duplicate_email", f"A user with email {email} exists already.")
    old = {"email": user.email, "name": user.name}
    new = {"email": email, "name": name}
    if old != new:
        user.email, user.name = email, name
        audit.record(actor, "user.update", "user", user.id, old, new)
        db.session.commit()
    return Changed(serialize(user))


def _other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user.id))


def _keep_an_admin(user: User) -> None:
    if user.role == "admin" and user.active and not _other_active_admins(user):
        raise ServiceError("last_admin", "This is the last active admin; make another first.")


def requeue_chats_of(user_id: int, actor, reason: str) -> list:
    """Put the chats an agent holds back in the queue; returns their ids (no commit).

    They stay escalated (``escalated_at`` is kept, so waiting time and the first
    response time still count from the handoff), and the next agent claims them.
    """
    held = db.session.scalars(select(Conversation).where(
        Conversation.assigned_agent_id == user_id, Conversation.state == "agent")).all()
    who = lifecycle.Actor("system", actor.id if actor is not None else None)
    for conversation in held:
        lifecycle.transition(conversation, "waiting", who, reason, data={"from": user_id},
                             assigned_agent_id=None)
    return [c.id for c in held]


def _announce(changed: Changed) -> Changed:
    """After the commit: cut the ended sessions' sockets and tell the desk the queue moved."""
    app = current_app._get_current_object()
    if changed.login_ids:
        sessions_revoked.send(app, login_ids=changed.login_ids)
    if changed.requeued:
        chats_requeued.send(app, conversation_ids=changed.requeued)
    return changed


def set_role(actor, user_id, role) -> Changed:
    """Give a user another role; leaving the desk roles puts their chats back in the queue."""
    user, role = get(user_id), _clean_role(role)
    if role == user.role:
        return Changed(serialize(user))
    if role != "admin":
        _keep_an_admin(user)
    old = user.role
    user.role = role
    requeued = requeue_chats_of(user.id, actor, "role_changed") if role not in DESK_ROLES else []
    audit.record(actor, "user.role", "user", user.id, {"role": old}, {"role": role})
    db.session.commit()
    return _announce(Changed(serialize(user), requeued=requeued))


def deactivate(actor, user_id) -> Changed:
    """Lock a user out now: no login, every session and socket ends, their chats go back."""
    user = get(user_id)
    if actor is not None and actor.id == user.id:
        raise ServiceError("own_account", "You cannot deactivate your own account.")
    if not user.active:
        return Changed(serialize(user))
    _keep_an_admin(user)
    login_ids = user.deactivate()
    requeued = requeue_chats_of(user.id, actor, "agent_deactivated")
    audit.record(actor, "user.deactivate", "user", user.id, {"active": True}, {"active": False})
    db.session.commit()
    return _announce(Changed(serialize(user), login_ids=login_ids, requeued=requeued))


def reactivate(actor, user_id) -> Changed:
    """Let a deactivated user log in again (their old sessions stay ended)."""
    user = get(user_id)
    if not user.active:
        user.active = True
        audit.record(actor, "user.reactivate", "user", user.id,
                     {"active": False}, {"active": True})
        db.session.commit()
    return Changed(serialize(user))


def set_password(actor, user_id, password=None, *, how="one_time_password") -> Changed:
    """A new password (random when not given), every session of the user ends.

    ``how`` goes to the audit log (``one_time_password``, ``reset_link``, ``cli``);
    the password itself never does.
    """
    user = get(user_id)
    generated = None
    if password is None:
        password = generated = secrets.token_urlsafe(12)
    login_ids = user.change_password(password)
    audit.record(actor, "user.password_reset", "user", user.id, None, {"how": how})
    db.session.commit()
    return _announce(Changed(serialize(user), login_ids=login_ids, password=generated))


def reset_password(actor, user_id, link=None) -> Changed:
    """An admin resets someone's password; every session of theirs ends at once.

    Where mail is configured the user is emailed a one-use link (``link(token)`` makes
    its URL); otherwise a one-time password is made and returned to show once.
    """
    user = get(user_id)
    if actor is not None and actor.id == user.id:
        raise ServiceError("own_account", "Change your own password on the password page.")
    if not (mail.configured() and link is not None):
        return set_password(actor, user.id)
    mail.send_password_link(user, link(reset_token(user)))
    login_ids = user.revoke_sessions()
    audit.record(actor, "user.password_reset", "user", user.id, None, {"how": "reset_link"})
    db.session.commit()
    return _announce(Changed(serialize(user), login_ids=login_ids, mailed=True))


def invite(user_id, link) -> Changed:
    """Email a new user the link that sets their first password (mail must be configured)."""
    user = get(user_id)
    mail.send_password_link(user, link(reset_token(user)), invite=True)
    return Changed(serialize(user), mailed=True)


def forgotten(email, link) -> bool:
    """Someone forgot their password: email the active user with ``email`` a reset link.

    Answers the same whether or not the account exists (nobody learns who has one);
    returns whether a mail went out, for the logs and the tests.
    """
    user = by_email(email) if isinstance(email, str) else None
    if user is None or not user.active or not mail.configured():
        return False
    mail.send_password_link(user, link(reset_token(user)))
    return True


# -- reset links ---------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _fingerprint(user: User) -> str:
    # Changes with the password, so a link works once: using it sets a new password.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    """A signed link token for ``user``: expires after PASSWORD_RESET_MAX_AGE, used once."""
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_of_reset_token(token) -> User:
    """The active user a reset token names; ``invalid_token`` / ``expired_token`` otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ServiceError("token_expired", "This link has expired; ask for a new one.")
    except BadSignature:
        raise ServiceError("invalid_token", "This link is not valid.")
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        raise ServiceError("invalid_token", "This link has been used or is not valid.")
    return user


def reset_with_token(token, password) -> Changed:
    """Set the password a reset link was sent for; the link is then spent."""
    user = user_of_reset_token(token)
    return set_password(user, user.id, check_password_strength(password), how="reset_link")
