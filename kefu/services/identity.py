"""Identity validation: the host site vouches for its signed-in customer.

The site renders ``data-user-id`` with ``data-user-hash`` = HMAC-SHA256 of that id under
the desk's ``IDENTITY_SECRET`` (known to the site's server and to kefu, never to a
browser).  Only a valid hash lets a connection say who it is: the name and email are
then trusted, shown to agents, and every device of the customer resumes one visitor.
A wrong hash is refused and changes nothing, so nobody can read another customer's
chats by typing their id.
"""
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import Visitor
from kefu.services.errors import ServiceError
from kefu.services.tickets import EMAIL


@dataclass(frozen=True)
class Identity:
    """A customer the host site signed for: its own id, and what it says about them."""

    user_id: str
    name: str | None = None
    email: str | None = None


def user_hash(secret: str, user_id: str) -> str:
    """The hex HMAC-SHA256 of ``user_id`` under ``secret``: what the host site computes."""
    return hmac.new(secret.encode("utf-8"), user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(user_id: str, name: str | None, email: str | None, given_hash: str) -> Identity:
    """The identity when ``given_hash`` signs ``user_id``; ServiceError otherwise.

    Compared in constant time, so the answer's timing tells nothing about the hash.
    """
    secret = current_app.config.get("IDENTITY_SECRET")
    if not secret:
        raise ServiceError("identity_not_configured",
                           "This desk has no IDENTITY_SECRET: it cannot verify user identities.")
    expected = user_hash(secret, user_id).encode("ascii")
    if not hmac.compare_digest(expected, given_hash.lower().encode("utf-8")):
        raise ServiceError("invalid_identity", "The user hash does not match the user id.")
    if email is not None and not EMAIL.match(email):
        raise ServiceError("invalid_identity", "The user email does not look like one.")
    return Identity(user_id, name, email)


def visitor_of(identity: Identity, locale: str) -> Visitor:
    """The one visitor of this customer, created on its first connection from any device.

    Never an anonymous visitor adopted: what was chatted before signing in stays with
    the browser's anonymous visitor (on a shared computer it may be someone else's).
    """
    query = select(Visitor).where(Visitor.external_id == identity.user_id)
    visitor = db.session.scalars(query).first()
    if visitor is None:
        db.session.add(Visitor(external_id=identity.user_id, locale=locale))
        try:
            db.session.commit()
        except IntegrityError:  # the same customer's other device created it first
            db.session.rollback()
        visitor = db.session.scalars(query).one()
    if identity.name:
        visitor.name = identity.name
    if identity.email:
        visitor.email = identity.email
    return visitor
