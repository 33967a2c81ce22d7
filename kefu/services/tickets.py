"""Messages left when nobody could chat (tickets), and the agents' answers to them."""
import re

from sqlalchemy import select, update

from kefu.extensions import db
from kefu.models import Conversation, Ticket, Visitor, utcnow
from kefu.services import lifecycle, mail, presence
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
        "emailed_at": ticket.reply_emailed_at.isoformat() if ticket.reply_emailed_at else None,
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
    """Answer a ticket, email the answer to the visitor, and mark the ticket answered.

    With mail configured the ticket is answered only once the mail server took the
    message (``mail_failed`` otherwise, and the ticket stays open to try again);
    without mail the answer is stored and ``emailed_at`` stays null, which the
    workspace says plainly.
    """
    me = presence.desk_user(user_id)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise ServiceError("not_found", f"There is no ticket {ticket_id}.")
    answer = {"reply_text": text, "replied_by_id": me["id"], "replied_at": utcnow()}
    if not _claim(ticket_id, "open", {"status": "answered", **answer}):
        raise ServiceError("invalid_state", "This ticket has been answered already.")
    ticket = db.session.get(Ticket, ticket_id, populate_existing=True)
    if mail.configured():
        try:
            mail.send_ticket_reply(ticket, me["name"], _language_of(ticket))
        except ServiceError:  # not sent: open again, for another try
            _claim(ticket_id, "answered", {"status": "open", "reply_text": None,
                                           "replied_by_id": None, "replied_at": None})
            raise
        ticket.reply_emailed_at = utcnow()
        db.session.commit()
    return serialize(ticket)


def _claim(ticket_id: int, status: str, values: dict) -> bool:
    """One conditional UPDATE from ``status``: of two agents answering at once, one wins
    (so the visitor gets one email, not two)."""
    db.session.rollback()
    won = db.session.execute(update(Ticket).where(Ticket.id == ticket_id,
                                                  Ticket.status == status)
                             .values(**values)
                             .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return won


def _language_of(ticket: Ticket) -> str:
    """The language to answer in: the chat's (its latest messages), else the widget's."""
    conversation = db.session.get(Conversation, ticket.conversation_id) \
        if ticket.conversation_id else None
    if conversation is not None and conversation.language:
        return conversation.language
    visitor = db.session.get(Visitor, ticket.visitor_id) if ticket.visitor_id else None
    return visitor.locale if visitor is not None else "en"
