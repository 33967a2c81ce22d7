"""What agents do with a conversation: claim, write, note, read, transfer, release, close.

Every function takes the acting user's id, checks the role rules of
:mod:`kefu.auth.access` itself (handlers cannot forget to), commits, and returns plain
dicts that tell the handler what to send to whom.
"""
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kefu import i18n
from kefu.auth.access import may_write
from kefu.extensions import db
from kefu.models import Conversation, Message, User, utcnow
from kefu.services import agents, cards, conversations, routing
from kefu.services.errors import ServiceError
from kefu.services.language import notice_language


def _conversation(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        raise ServiceError("not_found", f"There is no conversation {conversation_id}.")
    return conversation


def _writable(conversation_id: int, user_id: int, states=("agent",)):
    """The acting user and the conversation, when the user may write in it now."""
    me = agents.desk_user(user_id)
    conversation = _conversation(conversation_id)
    user = db.session.get(User, me["id"])
    if not may_write(user, conversation):
        raise ServiceError("not_assigned", "This conversation is not assigned to you.")
    if conversation.state not in states:
        raise ServiceError("invalid_state",
                           f"Not possible while the conversation is '{conversation.state}'.")
    return user, conversation


def _system(conversation: Conversation, kind: str, **params) -> Message:
    """Store a system notice in the visitor's language, with its kind for other readers."""
    text, notice = i18n.notice(kind, notice_language(conversation), **params)
    message = Message(conversation=conversation, sender="system", text=text,
                      extra={"notice": notice})
    db.session.add(message)
    return message


def _whom(conversation: Conversation) -> dict:
    """The agents' card and the visitor to tell: enough for a message or a read marker."""
    return {"conversation": cards.card(conversation),
            "visitor": conversation.visitor.public_id}


def _outcome(conversation: Conversation, *, messages=(), notes=(), **extra) -> dict:
    """What a state change must tell the visitor and the agents (``broadcast.outcome``)."""
    return {**_whom(conversation),
            "view": routing.visitor_view(conversation),
            "messages": [conversations.serialize_message(m) for m in messages],
            "notes": [conversations.serialize_message(m) for m in notes], **extra}


def open_conversation(conversation_id: int, user_id: int) -> dict:
    """Any desk user may read any conversation: the full detail."""
    agents.desk_user(user_id)
    return cards.detail(_conversation(conversation_id))


def claim(conversation_id: int, user_id: int, *, auto: bool = False,
          reason: str | None = None) -> dict:
    """Take a waiting conversation.  One conditional UPDATE decides between rivals.

    ``UPDATE conversations SET state='agent' ... WHERE id=? AND state='waiting'``
    changes one row for exactly one caller, in any process; the others get
    ``already_claimed``.
    """
    me = agents.desk_user(user_id)
    db.session.rollback()  # no read snapshot may precede the write below
    won = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state == "waiting")
        .values(state="agent", assigned_agent_id=me["id"])
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        db.session.rollback()
        conversation = _conversation(conversation_id)
        if conversation.state == "agent":
            raise ServiceError("already_claimed", "Another agent has taken this conversation.")
        raise ServiceError("invalid_state",
                           f"Only waiting conversations can be claimed, not '{conversation.state}'.")
    conversation = db.session.scalars(select(Conversation).where(
        Conversation.id == conversation_id).execution_options(populate_existing=True)).one()
    waited = (utcnow() - conversation.escalated_at).total_seconds() \
        if conversation.escalated_at else None
    conversations._record(conversation, "claimed", "waiting", "agent",
                          "system" if auto else "agent", actor_user_id=me["id"],
                          reason=reason or ("auto_assign" if auto else "claim"),
                          data={"waited_seconds": waited})
    joined = _system(conversation, "agent_joined", name=me["name"])
    db.session.commit()
    return _outcome(conversation, messages=[joined], agent_id=me["id"])


def post_message(conversation_id: int, user_id: int, client_msg_id: str, text: str, *,
                 note: bool = False) -> dict:
    """Store an agent's reply (sent to the visitor) or private note (agents only).

    Idempotent on ``client_msg_id`` like visitor messages.  The first human reply
    after the handoff sets ``first_agent_reply_at``; bot messages never count.
    """
    states = ("bot", "waiting", "agent", "closed") if note else ("waiting", "agent")
    user, conversation = _writable(conversation_id, user_id, states)
    existing = conversations.message_by_client_id(conversation.id, client_msg_id)
    if existing is not None:
        return {**_whom(conversation), "message": conversations.serialize_message(existing),
                "duplicate": True}
    message = Message(conversation=conversation, sender="note" if note else "agent",
                      sender_user_id=user.id, text=text, client_msg_id=client_msg_id)
    db.session.add(message)
    if not note and conversation.first_agent_reply_at is None and conversation.escalated_at:
        conversation.first_agent_reply_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = conversations.message_by_client_id(conversation_id, client_msg_id)
        return {**_whom(existing.conversation),
                "message": conversations.serialize_message(existing), "duplicate": True}
    return {**_whom(conversation), "message": conversations.serialize_message(message),
            "duplicate": False}


def typing_target(conversation_id: int, user_id: int) -> dict:
    """Where an agent's typing indicator goes: ``{"visitor", "name"}``."""
    user, conversation = _writable(conversation_id, user_id, ("waiting", "agent"))
    return {"visitor": conversation.visitor.public_id, "name": user.name}


def mark_read(conversation_id: int, user_id: int, message_id: int) -> dict:
    """The agent has read the visitor's messages up to ``message_id``."""
    user, conversation = _writable(conversation_id, user_id, ("waiting", "agent", "closed"))
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        raise ServiceError("not_found", "That message is not in this conversation.")
    conversation.agent_read_up_to = max(conversation.agent_read_up_to or 0, message_id)
    db.session.commit()
    return {**_whom(conversation), "up_to": conversation.agent_read_up_to}


def transfer(conversation_id: int, user_id: int, to_agent_id: int, note: str | None) -> dict:
    """Hand a conversation to another active agent; the note stays private."""
    user, conversation = _writable(conversation_id, user_id)
    target = db.session.get(User, to_agent_id)
    if target is None or not (target.active and target.role in ("agent", "admin")):
        raise ServiceError("invalid_agent", "Transfer only to an active agent or admin.")
    if target.id == conversation.assigned_agent_id:
        raise ServiceError("invalid_agent", "The conversation is assigned to them already.")
    previous = conversation.assigned_agent_id
    conversation.assigned_agent_id = target.id
    conversations._record(conversation, "transferred", "agent", "agent", "agent",
                          actor_user_id=user.id, data={"from": previous, "to": target.id})
    notes = []
    if note:
        notes.append(Message(conversation=conversation, sender="note", sender_user_id=user.id,
                             text=note, extra={"transfer_to": target.id}))
        db.session.add(notes[0])
    joined = _system(conversation, "agent_joined", name=target.name)
    db.session.commit()
    return _outcome(conversation, messages=[joined], notes=notes, from_agent_id=previous,
                    to_agent_id=target.id)


def release(conversation_id: int, user_id: int) -> dict:
    """Hand the conversation back to the bot."""
    user, conversation = _writable(conversation_id, user_id, ("waiting", "agent"))
    previous_state, previous_agent = conversation.state, conversation.assigned_agent_id
    conversation.state = "bot"
    conversation.assigned_agent_id = None
    conversations._record(conversation, "released", previous_state, "bot", "agent",
                          actor_user_id=user.id, data={"agent_id": previous_agent})
    back = _system(conversation, "released")
    db.session.commit()
    return _outcome(conversation, messages=[back], from_agent_id=previous_agent)


def close(conversation_id: int, user_id: int) -> dict:
    """End the conversation; the visitor is asked for a rating."""
    user, conversation = _writable(conversation_id, user_id, ("bot", "waiting", "agent"))
    previous = conversation.state
    conversation.state = "closed"
    conversation.closed_at = utcnow()
    conversations._record(conversation, "closed", previous, "closed", "agent",
                          actor_user_id=user.id)
    bye = _system(conversation, "closed")
    db.session.commit()
    return _outcome(conversation, messages=[bye], from_agent_id=conversation.assigned_agent_id)
