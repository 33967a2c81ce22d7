"""Messages left when nobody could chat (tickets), and the agents' answers to them."""
import re

from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Ticket, Visitor, utcnow
from kefu.services import lifecycle, presence
from kefu.services.errors import ServiceError

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
STATUSES = ("open", "answered")


def serialize(ticket: Ticket) -> dict:
    """The wire form of a ticket."""
    return {
        "id": ticket.id, "status": ticket.status, "name": ticket.name, "email": ticket.email,
        "text": ticket.text, "conversation_id": ticket.conversation_id,
        "created_at": ticket.created_at.isoformat(),
        "reply_text": ticket.reply_text,
        "replied_by": {"id": ticket.replied_by.id, "name": ticket.replied_by.name}
        if ticket.replied_by_id else None,
        "replied_at": ticket.replied_at.isoformat() if ticket.replied_at else None,
    }


def leave_message(visitor: Visitor, name: str, email: str, text: str) -> dict:
    """Store a visitor's message as an open ticket (linked to the open conversation)."""
    if not EMAIL.match(email):
        raise ServiceError("invalid_email", "That does not look like an email address.")
    conversation = lifecycle.open_conversation_of(visitor)
    visitor.name = name
    visitor.email = email
    ticket = Ticket(visitor_id=visitor.id, name=name, email=email, text=text,
                    conversation_id=conversation.id if conversation else None)
    db.session.add(ticket)
    db.session.commit()
    return serialize(ticket)


def list_tickets(status: str | None = None, limit: int = 100) -> list:
    """Tickets, newest first, optionally only those with ``status``."""
    query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
    if status is not None:
        if status not in STATUSES:
            raise ServiceError("invalid_status", f"status is one of {', '.join(STATUSES)}.")
        query = query.where(Ticket.status == status)
    return [serialize(t) for t in db.session.scalars(query)]


def reply(ticket_id: int, user_id: int, text: str) -> dict:
    """Answer a ticket and mark it answered (sending the email is the mailer's job)."""
    me = presence.desk_user(user_id)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise ServiceError("not_found", f"There is no ticket {ticket_id}.")
    if ticket.status == "answered":
        raise ServiceError("invalid_state", "This ticket has been answered already.")
    ticket.reply_text = text
    ticket.replied_by_id = me["id"]
    ticket.replied_at = utcnow()
    ticket.status = "answered"
    db.session.commit()
    return serialize(ticket)
