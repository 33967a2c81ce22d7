"""What a visitor does: connect, write, ask for a person (or no longer), type, read, rate,
leave a message.

Each function is the one service call of a ``/visitor`` event.  It finds the visitor's
conversation from the public id in its token, commits, and returns an
:class:`~kefu.services.outcomes.Outcome` naming what to send to whom.  A message is
committed before it is acknowledged, and a bot failure never loses it.
"""
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import Conversation, Message, utcnow
from kefu.services import (
    answered_turn, assignment, assist, bot_turns, escalation, language, lifecycle, presenters,
    supervision, tickets, visitor_presence, visitors,
)
from kefu.services.errors import ServiceError
from kefu.services.notices import system_notice
from kefu.services.outcomes import Outcome
from kefu.services.visitor_history import visible_to_visitor
from kefu.services.wire import serialize_message


def connect(token, locale: str, user_agent: str | None, page=None, *,
            sid: str | None = None, user=None) -> Outcome:
    """Open the visitor's session: ``session`` in the ack, its conversation to the caller.

    ``sid`` is the socket's: it is recorded as the visitor's presence (any process can
    then tell that the visitor is still there) until :func:`disconnect`.  ``user``: the
    host site's signed customer, see :func:`visitors.open_session`.
    """
    session, conversation = visitors.open_session(token, locale, user_agent, user)
    if sid is not None:
        visitor_presence.connect(sid, session["visitor_id"])
    if page:
        visitors.record_page(visitors.by_public_id(session["visitor_id"]), *page)
    outcome = Outcome(visitor=session["visitor_id"], ack={"session": session})
    if conversation is not None:
        outcome.to_caller.append(("conversation", presenters.visitor_view(conversation)))
    return outcome


def disconnect(sid: str) -> None:
    """The visitor's socket ``sid`` closed: it no longer counts as the visitor's presence."""
    visitor_presence.disconnect(sid)


def message_by_client_id(visitor_id: int, client_msg_id: str):
    """The message this visitor already sent with this id, in any conversation, or None."""
    return db.session.scalars(select(Message).where(
        Message.visitor_id == visitor_id, Message.client_msg_id == client_msg_id)).first()


def post_message(public_id: str, client_msg_id: str, text: str,
                 intent: str | None = None) -> Outcome:
    """Store a visitor message (once per visitor and client_msg_id) with the bot's answer.

    The common case, a chat the bot holds where it says one line back, is one
    transaction on Core (:mod:`kefu.services.answered_turn`).  Otherwise the message is
    committed first (the ack means "stored"); then the bot's turn
    (:func:`kefu.services.bot_turns.answer`: it thinks holding no database connection,
    the policy decides, and the reply is claimed and stored in its own transaction).

    A resend is acknowledged as a ``duplicate`` and delivered to nobody, unless its first
    copy was stored but never answered (a crash before the bot's reply): while the bot
    still owns the conversation, the resend gets that reply now, once.
    """
    bot = bot_turns.ready_bot()  # before any query: see ready_bot
    answered = answered_turn.store(public_id, client_msg_id, text, intent, bot) \
        if bot is not None and current_app.config["ANSWERED_TURN_ON_CORE"] \
        else answered_turn.DECLINED
    if not isinstance(answered, answered_turn.Declined):  # the common case, on Core
        conversation, stored, replies = answered
        outcome = _answered(conversation, stored, replies, "bot")
        outcome.echo = [stored]
        outcome.ack = {"message": stored, "duplicate": False}
        return outcome
    visitor, conversation = visitors.with_open_conversation(public_id)
    visitor_id, locale = visitor.id, visitor.locale
    if conversation is None:  # a first message, or a resend into a closed chat: look first
        existing = message_by_client_id(visitor_id, client_msg_id)
        if existing is not None:
            return _resent(existing, locale, intent, bot)
        conversation = lifecycle.open_or_create(visitor)
    was = conversation.state
    # ``intent`` is the suggestion the visitor tapped (as the client says: an unknown id
    # is classified as text by bot_turns), kept on the line so the learning inbox tells
    # a "did you mean" taken from one left.
    message = Message(conversation=conversation, visitor_id=visitor_id, sender="visitor",
                      text=text, client_msg_id=client_msg_id, answered=False,
                      intent=intent or None)
    db.session.add(message)
    language.note_visitor_text(conversation, text)
    try:
        # On PostgreSQL the conversation's row (its UPDATE, the message's insert) is locked
        # before the visitor's, as on the Core path and the claim: one order, no deadlock.
        db.session.flush()
        visitors.note_seen(visitor)
        db.session.commit()
    except IntegrityError:  # a resend (the unique client_msg_id), or a race from another tab
        db.session.rollback()
        existing = message_by_client_id(visitor_id, client_msg_id)
        if existing is None:
            raise
        return _resent(existing, locale, intent, bot)
    stored = serialize_message(message)
    replies = bot_turns.answer(conversation, message, locale, intent, bot,
                               verdict=answered.verdict)
    outcome = _answered(conversation, stored, replies, was)
    drafted = assist.draft(conversation, message, locale, bot)  # state agent only
    if drafted is not None:
        outcome.signal("assist", drafted, "watchers")
    outcome.echo = [stored]
    outcome.ack = {"message": stored, "duplicate": False}
    return outcome


def _resent(existing: Message, locale: str, intent: str | None, bot) -> Outcome:
    """A resent visitor message: stored once; answered now if its answer was lost."""
    conversation = existing.conversation
    was = conversation.state
    replies = bot_turns.answer(conversation, existing, locale, intent, bot)
    stored = serialize_message(existing)
    outcome = _answered(conversation, stored, replies, was) if replies else Outcome()
    outcome.ack = {"message": stored, "duplicate": True}
    return outcome


def _answered(conversation: Conversation, stored: dict, replies: list, was: str) -> Outcome:
    """The visitor gets the replies and its view; agents hear of chats past the bot."""
    outcome = Outcome(conversation_id=conversation.id, visitor=conversation.visitor.public_id,
                      to_visitor=list(replies), view=presenters.visitor_view(conversation))
    if conversation.state == "bot":  # supervising agents see the bot's turn
        return outcome.signal(supervision.EVENT,
                              supervision.turn_card(conversation, stored, replies), "agents")
    outcome.card = presenters.card(conversation)
    outcome.watcher_ids = tuple(a for a in [conversation.assigned_agent_id] if a)
    outcome.to_watchers = [stored, *replies]
    if was == "bot":  # this message handed the chat off: the queue moved
        assignment.settle(outcome, agents=False)
    return outcome


def request_human(public_id: str) -> Outcome:
    """The visitor asks for a person: open a conversation if needed and escalate it.

    Asking again while waiting or talking to an agent changes nothing.
    """
    visitor = visitors.by_public_id(public_id)
    conversation = lifecycle.open_or_create(visitor)
    outcome = Outcome(conversation_id=conversation.id, visitor=public_id)
    escalated = conversation.state == "bot"
    if escalated:
        messages = escalation.escalate(conversation, "visitor_request", actor=lifecycle.VISITOR)
        outcome.to_visitor = outcome.to_watchers = messages
    outcome.view = presenters.visitor_view(conversation)
    outcome.ack = {"conversation": outcome.view}
    if escalated:
        assignment.settle(outcome, agents=False)
    return outcome


def cancel_handoff(public_id: str) -> Outcome:
    """The waiting visitor changes their mind: back to the bot, out of the queue.

    Only a conversation that is ``waiting`` can go back (``invalid_state`` otherwise:
    with the bot already there is nothing to cancel, and once an agent holds the chat
    the agent releases it).
    """
    conversation = _open(public_id)
    if conversation is None or conversation.state != "waiting":
        raise ServiceError("invalid_state", "Only a chat waiting for a person can go back "
                                            "to the assistant.")
    lifecycle.transition(conversation, "bot", lifecycle.VISITOR, "cancel_handoff",
                         assigned_agent_id=None)
    back = system_notice(conversation, "handoff_cancelled")
    db.session.commit()
    outcome = presenters.change(conversation, messages=[back])
    outcome.ack = {"conversation": outcome.view}
    return assignment.settle(outcome, agents=False)


def _open(public_id: str):
    return lifecycle.open_conversation_of(visitors.by_public_id(public_id))


def typing(public_id: str, is_typing: bool) -> Outcome:
    """The visitor's typing indicator reaches the agents of a handed-off conversation only."""
    conversation = _open(public_id)
    if conversation is None or conversation.state not in ("waiting", "agent"):
        return Outcome()
    agent = conversation.assigned_agent_id
    return Outcome(conversation_id=conversation.id, watcher_ids=(agent,) if agent else ()
                   ).signal("typing", {"conversation_id": conversation.id,
                                       "sender": "visitor", "typing": is_typing}, "watchers")


def mark_read(public_id: str, message_id: int) -> Outcome:
    """The visitor has seen its conversation up to ``message_id`` (``not_found`` if not its)."""
    conversation = _open(public_id)
    message = db.session.get(Message, message_id)
    if conversation is None or message is None or message.conversation_id != conversation.id \
            or not visible_to_visitor(message):
        raise ServiceError("not_found", "That message is not in your conversation.")
    conversation.visitor_read_up_to = max(conversation.visitor_read_up_to or 0, message_id)
    db.session.commit()
    up_to, agent = conversation.visitor_read_up_to, conversation.assigned_agent_id
    return Outcome(conversation_id=conversation.id, watcher_ids=(agent,) if agent else (),
                   ack={"up_to": up_to}).signal(
        "read", {"conversation_id": conversation.id, "reader": "visitor", "up_to": up_to},
        "watchers")


def rate(public_id: str, rating: int, comment: str | None) -> Outcome:
    """Store a 1-5 rating (CSAT) on the visitor's latest conversation, once it is closed."""
    visitor = visitors.by_public_id(public_id)
    latest = visitors.latest_conversation(visitor.id)
    if latest is None or latest.state != "closed":
        raise ServiceError("not_closed", "Only a closed conversation can be rated.")
    if latest.rating is not None:
        raise ServiceError("already_rated", "This conversation has been rated already.")
    latest.rating = rating
    latest.rating_comment = comment
    lifecycle.record(latest.id, "rated", lifecycle.VISITOR, from_state="closed",
                     to_state="closed", data={"rating": rating})
    db.session.commit()
    return Outcome(conversation_id=latest.id, visitor=public_id,
                   view=presenters.visitor_view(latest), card=presenters.card(latest))


def vote(public_id: str, message_id: int, helpful: bool) -> Outcome:
    """The visitor's helpful / not-helpful vote on one of the bot's answers to them.

    One vote per answer: voting again replaces the vote (a visitor who tapped the
    wrong thumb can correct it), and a resent vote changes nothing.  Another
    visitor's message is ``not_found``, as if it did not exist: a visitor never
    learns anything of a conversation that is not theirs.  Only answers take a vote
    (a clarifying question or a notice is not something to judge helpful).
    """
    visitor = visitors.by_public_id(public_id)
    message = db.session.get(Message, message_id)
    if message is None or message.conversation.visitor_id != visitor.id:
        raise ServiceError("not_found", "No such message in your conversations.")
    if message.sender != "bot" or message.bot_action != "answer":
        raise ServiceError("not_votable", "Only the bot's answers take a vote.")
    if message.helpful is not helpful:
        message.helpful, message.voted_at = helpful, utcnow()
        db.session.commit()
    return Outcome(ack={"vote": {"message_id": message.id, "helpful": message.helpful}})


def leave_message(public_id: str, name: str, email: str, text: str) -> Outcome:
    """Leave a message for the agents (a ticket); every agent hears of it."""
    ticket = tickets.leave_message(visitors.by_public_id(public_id), name, email, text)
    return Outcome(ack={"ticket": {"id": ticket["id"]}}).signal(
        "ticket", {"ticket": ticket}, "agents")
