"""What agents do with a conversation: open, claim, write, note, read, transfer, release, close.

Every function takes the acting user's id, checks the role rule
(``Conversation.writable_by``) and the state itself (handlers cannot forget to),
commits, and returns an :class:`~kefu.services.outcomes.Outcome` naming what to send
to whom.  Anything that moves the queue or an agent's load ends with
:func:`kefu.services.assignment.settle`, so auto-assignment happens here, never in the
transport.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import STATES, Conversation, ConversationEvent, Message, User, utcnow
from kefu.services import assignment, assist, lifecycle, presence, presenters
from kefu.services.errors import ServiceError
from kefu.services.notices import system_notice
from kefu.services.outcomes import Outcome
from kefu.services.wire import serialize_message


def conversation_by_id(conversation_id: int) -> Conversation:
    """The conversation ``conversation_id``; ServiceError ``not_found`` if there is none."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise ServiceError("not_found", f"There is no conversation {conversation_id}.")
    return conversation


def writable(conversation_id: int, user_id: int, states=("agent",)):
    """The acting user and the conversation, when the user may write in it now."""
    me = presence.desk_user(user_id)
    conversation = conversation_by_id(conversation_id)
    user = db.session.get(User, me["id"])
    if not conversation.writable_by(user):
        raise ServiceError("not_assigned", "This conversation is not assigned to you.")
    if conversation.state not in states:
        raise ServiceError("invalid_state",
                           f"Not possible while the conversation is '{conversation.state}'.")
    return user, conversation


def _about(conversation: Conversation, **ack) -> Outcome:
    """An outcome that tells the agents (card) about a conversation, with these ack fields."""
    card = presenters.card(conversation)
    return Outcome(conversation_id=conversation.id, visitor=conversation.visitor.public_id,
                   watcher_ids=tuple(a for a in [(card["assigned_agent"] or {}).get("id")] if a),
                   card=card, ack=ack)


def open_conversation(conversation_id: int, user_id: int) -> Outcome:
    """Any desk user may read any conversation: the full detail, in the ack."""
    presence.desk_user(user_id)
    return Outcome(conversation_id=conversation_id,
                   ack={"conversation": presenters.detail(conversation_by_id(conversation_id))})


def claim(conversation_id: int, user_id: int) -> Outcome:
    """Take a waiting conversation (one of several rivals wins; see :mod:`assignment`)."""
    return assignment.settle(assignment.claim(conversation_id, user_id))


def post_message(conversation_id: int, user_id: int, client_msg_id: str, text: str, *,
                 note: bool = False, draft_for: int | None = None) -> Outcome:
    """Store an agent's reply (sent to the visitor) or private note (agents only).

    Idempotent on ``client_msg_id`` like visitor messages: a duplicate is acknowledged
    and delivered to nobody.  The first human reply after the handoff sets
    ``first_agent_reply_at``; bot messages never count.  A reply settles the bot's
    drafts it answers (:func:`kefu.services.assist.settle`); ``draft_for`` names the
    visitor message whose draft it started from.
    """
    states = STATES if note else ("waiting", "agent")
    user, conversation = writable(conversation_id, user_id, states)
    existing = message_by_client_id(conversation.id, client_msg_id)
    if existing is not None:
        return Outcome(ack={"message": serialize_message(existing), "duplicate": True})
    named = None if note else assist.named_draft(conversation.id, draft_for)
    message = Message(conversation=conversation, sender="note" if note else "agent",
                      sender_user_id=user.id, text=text, client_msg_id=client_msg_id)
    db.session.add(message)
    if not note and conversation.first_agent_reply_at is None and conversation.escalated_at:
        conversation.first_agent_reply_at = utcnow()
    try:
        if not note:
            db.session.flush()  # the reply's id, for the drafts it settles
            uses = dict(assist.settle(conversation.id, message, named,
                                      lifecycle.Actor.agent(user.id)))
            if named is not None:
                message.extra = {"draft_for": named.id, "draft_use": uses.get(named.id)}
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = message_by_client_id(conversation_id, client_msg_id)
        return Outcome(ack={"message": serialize_message(existing), "duplicate": True})
    wire = serialize_message(message)
    outcome = _about(conversation, message=wire, duplicate=False)
    outcome.watcher_ids += (user.id,)
    outcome.to_watchers = [wire]
    if note:
        outcome.card = None  # a note changes nothing the card shows
    else:
        outcome.to_visitor = [wire]
    return outcome


def message_by_client_id(conversation_id: int, client_msg_id: str):
    """The message an agent already sent with this id in this conversation, or None.

    Only desk rows (no ``visitor_id``): the visitor's ids are its own, so an agent's
    message is never mistaken for a resend of the visitor's, nor the other way round.
    """
    return db.session.scalars(db.select(Message).where(
        Message.conversation_id == conversation_id, Message.visitor_id.is_(None),
        Message.client_msg_id == client_msg_id)).first()


def typing(conversation_id: int, user_id: int, is_typing: bool) -> Outcome:
    """An agent's typing indicator, for the visitor."""
    user, conversation = writable(conversation_id, user_id, ("waiting", "agent"))
    return Outcome(conversation_id=conversation.id, visitor=conversation.visitor.public_id
                   ).signal("typing", {"sender": "agent", "name": user.name,
                                       "typing": is_typing}, "visitor")


def mark_read(conversation_id: int, user_id: int, message_id: int) -> Outcome:
    """The agent has read the visitor's messages up to ``message_id``."""
    user, conversation = writable(conversation_id, user_id, ("waiting", "agent", "closed"))
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        raise ServiceError("not_found", "That message is not in this conversation.")
    conversation.agent_read_up_to = max(conversation.agent_read_up_to or 0, message_id)
    db.session.commit()
    up_to = conversation.agent_read_up_to
    return _about(conversation, up_to=up_to).signal(
        "read", {"reader": "agent", "up_to": up_to}, "visitor")


def send_to_inbox(conversation_id: int, user_id: int, message_id: int) -> Outcome:
    """"The bot should have answered this": a visitor line of a chat the agent handled
    goes to the editors' learning inbox (once; sending it again changes nothing).

    Recorded as a conversation event, so the inbox and reports read it with who sent it.
    """
    user, conversation = writable(conversation_id, user_id,
                                  ("waiting", "agent", "closed", "abandoned"))
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id \
            or message.sender != "visitor":
        raise ServiceError("not_found", "That is not a visitor message of this conversation.")
    already = db.session.scalars(select(ConversationEvent.data).where(
        ConversationEvent.conversation_id == conversation.id,
        ConversationEvent.kind == lifecycle.SENT_TO_INBOX)).all()
    duplicate = any((data or {}).get("message_id") == message.id for data in already)
    if not duplicate:
        lifecycle.record(conversation.id, lifecycle.SENT_TO_INBOX, lifecycle.Actor.agent(user.id),
                         from_state=conversation.state, to_state=conversation.state,
                         data={"message_id": message.id})
        db.session.commit()
    return Outcome(conversation_id=conversation.id,
                   ack={"to_inbox": {"message_id": message.id}, "duplicate": duplicate})


def transfer(conversation_id: int, user_id: int, to_agent_id: int, note: str | None) -> Outcome:
    """Hand a conversation to another active agent; the note stays private."""
    user, conversation = writable(conversation_id, user_id)
    target = db.session.get(User, to_agent_id)
    if target is None or not target.is_desk_user:
        raise ServiceError("invalid_agent", "Transfer only to an active agent or admin.")
    if target.id == conversation.assigned_agent_id:
        raise ServiceError("invalid_agent", "The conversation is assigned to them already.")
    previous = conversation.assigned_agent_id
    conversation.assigned_agent_id = target.id
    lifecycle.record(conversation.id, "transferred", lifecycle.Actor.agent(user.id),
                     from_state="agent", to_state="agent",
                     data={"from": previous, "to": target.id})
    notes = []
    if note:
        notes.append(Message(conversation=conversation, sender="note", sender_user_id=user.id,
                             text=note, extra={"transfer_to": target.id}))
        db.session.add(notes[0])
    joined = system_notice(conversation, "agent_joined", name=target.name)
    db.session.commit()
    outcome = presenters.change(conversation, messages=[joined], notes=notes, also=[previous])
    outcome.ack = {"conversation": outcome.card}
    outcome.agents = presence.agent_list()
    return outcome


def _leave_agent_hands(conversation: Conversation, user: User, to_state: str, notice: str,
                       reason: str, **columns) -> Outcome:
    """``release`` and ``close``: the chat leaves its agent; queue and presence change."""
    previous_agent = conversation.assigned_agent_id
    lifecycle.transition(conversation, to_state, lifecycle.Actor.agent(user.id), reason,
                         data={"agent_id": previous_agent}, **columns)
    message = system_notice(conversation, notice)
    db.session.commit()
    outcome = presenters.change(conversation, messages=[message], also=[previous_agent])
    outcome.ack = {"conversation": outcome.card}
    return assignment.settle(outcome)


def release(conversation_id: int, user_id: int) -> Outcome:
    """Hand the conversation back to the bot."""
    user, conversation = writable(conversation_id, user_id, ("waiting", "agent"))
    return _leave_agent_hands(conversation, user, "bot", "released", "release",
                              assigned_agent_id=None)


def close(conversation_id: int, user_id: int) -> Outcome:
    """End the conversation; the visitor is asked for a rating."""
    user, conversation = writable(conversation_id, user_id, ("bot", "waiting", "agent"))
    return _leave_agent_hands(conversation, user, "closed", "closed", "close",
                              closed_at=utcnow())
