"""Supervision: the conversations the bot is handling, live, and an agent taking one over.

Agents see every chat still in state ``bot`` with the visitor's last message and the
bot's last confidence, so they can step in before the bot hands off.  The list comes in
``hello`` (:func:`bot_cards`, a few batch queries) and then changes one card per bot turn
(:func:`turn_card`, built from what the turn has at hand, no query at all): this list
moves with every visitor message the bot answers, which is far more often than the
queue does.  A conversation leaves the list when an agent card or the queue shows it in
another state.

:func:`take_over` moves a chat from the bot to an agent through the state machine
(``bot`` -> ``agent``, reason ``agent_takeover``): one conditional UPDATE, so of two
agents taking over at once exactly one wins.
"""
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import Conversation, Message, Visitor, utcnow
from kefu.services import assignment, lifecycle, presence, presenters
from kefu.services.errors import ServiceError
from kefu.services.notices import system_notice
from kefu.services.outcomes import Outcome

#: The event every agent gets when a bot turn changed a chat of the bot's.
EVENT = "bot_chat"
#: Chats in ``hello``'s list at most, the latest active first.
LIST_LIMIT = 50
REASON = "agent_takeover"


def _visitor_message(m: dict | None) -> dict | None:
    return {"id": m["id"], "text": m["text"], "created_at": m["created_at"]} if m else None


def _bot_turn(m: dict | None) -> dict | None:
    if not m:
        return None
    return {"id": m["id"], "intent": m.get("intent"), "confidence": m.get("confidence"),
            "action": m.get("action"), "created_at": m["created_at"]}


def card(conversation_id: int, visitor: dict, created_at, last_visitor: dict | None,
         last_bot: dict | None) -> dict:
    """A supervision card: the visitor, their last message and the bot's last turn."""
    return {"id": conversation_id, "state": "bot", "visitor": visitor,
            "created_at": created_at, "last_visitor_message": _visitor_message(last_visitor),
            "bot": _bot_turn(last_bot)}


def turn_card(conversation: Conversation, visitor_message: dict, replies: list) -> dict:
    """The card after one bot turn, from the turn's own messages (wire form): no query.

    ``conversation.visitor`` is loaded already by the turn (its public id addresses
    the outcome).
    """
    visitor = conversation.visitor
    bot_turns = [m for m in replies if m.get("sender") == "bot"]
    return card(conversation.id,
                {"id": visitor.public_id, "name": visitor.name, "locale": visitor.locale},
                presenters.iso(conversation.created_at), visitor_message,
                bot_turns[-1] if bot_turns else None)


def bot_cards(limit: int = LIST_LIMIT) -> list:
    """Cards of the chats the bot is handling, latest visitor message first (``hello``)."""
    latest = (select(Message.conversation_id, func.max(Message.id).label("last_id"))
              .join(Conversation, Conversation.id == Message.conversation_id)
              .where(Conversation.state == "bot", Message.sender == "visitor")
              .group_by(Message.conversation_id).subquery())
    rows = db.session.execute(
        select(Conversation, Visitor, latest.c.last_id)
        .join(latest, latest.c.conversation_id == Conversation.id)
        .join(Visitor, Visitor.id == Conversation.visitor_id)
        .order_by(latest.c.last_id.desc()).limit(limit)).all()
    if not rows:
        return []
    ids = [c.id for c, _, _ in rows]
    bot_ids = dict(db.session.execute(
        select(Message.conversation_id, func.max(Message.id))
        .where(Message.conversation_id.in_(ids), Message.sender == "bot")
        .group_by(Message.conversation_id)).all())
    wanted = [last_id for _, _, last_id in rows] + list(bot_ids.values())
    messages = {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(wanted)))}

    def wire(m):
        return None if m is None else {
            "id": m.id, "text": m.text, "created_at": presenters.iso(m.created_at),
            "intent": m.intent, "confidence": m.confidence, "action": m.bot_action}

    return [card(c.id, {"id": v.public_id, "name": v.name, "locale": v.locale},
                 presenters.iso(c.created_at), wire(messages.get(last_id)),
                 wire(messages.get(bot_ids.get(c.id))))
            for c, v, last_id in rows]


def take_over(conversation_id: int, user_id: int) -> Outcome:
    """An agent takes a chat from the bot before it hands off; the visitor is told.

    Desk users only (``forbidden`` otherwise).  The move is the state machine's
    (``bot`` -> ``agent``), made with the assignment in one conditional UPDATE: a rival
    who took it (or a claim after a handoff) first makes this ``already_claimed``, any
    other state ``invalid_state``.  Commits.
    """
    me = presence.desk_user(user_id)
    db.session.rollback()  # no read snapshot may precede the write below
    try:
        lifecycle.transition(conversation_id, "agent", lifecycle.Actor.agent(me["id"]),
                             REASON, from_state="bot", assigned_agent_id=me["id"],
                             escalated_at=utcnow(), handoff_reason=REASON)
    except ServiceError:
        raise assignment.taken_or_moved(
            conversation_id, "Only conversations the bot is handling can be taken over")
    conversation = db.session.scalars(select(Conversation).where(
        Conversation.id == conversation_id).execution_options(populate_existing=True)).one()
    joined = system_notice(conversation, "agent_joined", name=me["name"],
                           extra={"reason": REASON})
    db.session.commit()
    outcome = presenters.change(conversation, messages=[joined])
    outcome.ack = {"conversation": outcome.card}
    return assignment.settle(outcome)
