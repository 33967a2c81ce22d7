"""The way from the bot to a person: a conversation enters the waiting queue.

A conversation leaves the bot (``bot`` -> ``waiting``) for one of :data:`REASONS`; the
reason is stored on the ``escalated`` ConversationEvent (and on the conversation for
the cards) so reports can break handoffs down.
"""
from kefu.extensions import db
from kefu.models import Conversation, utcnow
from kefu.services import lifecycle
from kefu.services.notices import system_notice
from kefu.services.queue import Queue, minutes
from kefu.services.wire import serialize_message

REASONS = ("low_confidence", "handoff_intent", "visitor_request", "repeated_miss", "angry",
           "bot_error")


def escalate(conversation: Conversation, reason: str, *, reply_to=None,
             decision=None, guesses=None, text_key: str = "handoff",
             actor: lifecycle.Actor = lifecycle.BOT) -> list:
    """Move a bot conversation to the waiting queue and tell the visitor where they stand.

    Stores the handoff notice and a second notice with the place in the queue and the
    expected wait or, when nobody can chat now, the offer to leave a message.  The
    conversation waits in the queue either way.  ``guesses`` (the bot's top intents) are
    kept on the event for the agent when the decision has no suggestions of its own.
    Commits; returns the stored notices in wire form.
    """
    data = None
    if decision is not None:  # the bot's view, for the agent: its suggestions, else guesses
        data = {"intent": decision.intent, "confidence": float(decision.confidence),
                "suggestions": (list(decision.to_dict().get("suggestions") or [])
                                or list(guesses or []))[:3]}
    lifecycle.transition(conversation, "waiting", actor, reason, data=data,
                         escalated_at=utcnow(), assigned_agent_id=None, handoff_reason=reason)
    note = system_notice(conversation, text_key, extra={"reason": reason})
    note.reply_to, note.bot_action = reply_to, "escalate"
    if decision is not None:
        note.intent = decision.intent
        note.confidence = round(float(decision.confidence), 4)
    queue = Queue()
    if queue.offline:
        place = system_notice(conversation, f"offline_{queue.offline}",
                              extra={"offline": queue.offline, "form": "leave_message"})
    else:
        where = queue.place(conversation.id)
        place = system_notice(conversation, "queue_place", extra={"queue": where},
                              position=where["position"], minutes=minutes(where))
    place.reply_to = reply_to
    db.session.commit()
    return [serialize_message(note), serialize_message(place)]
