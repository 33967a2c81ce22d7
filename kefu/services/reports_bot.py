"""The bot's figures: what it answered, what it could not place, how visitors voted.

Counted over the same conversations as every report (:func:`kefu.services.report_period.scoped`);
shown to admins only, like bot containment.  Defined in docs/metrics.md.
"""
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from kefu.extensions import db
from kefu.models import (BOT_ANSWER_CONDITION, MISSED_CONDITION, Conversation, Message,
                         miss_key_of)
from kefu.services.inbox import sent_by_agents
from kefu.services.report_period import Period, rate, scoped

#: How many intents and questions the tops list.
TOP = 10


def bot_answers(p: Period, agent_id=None):
    """The bot's answers (not offers, not handoffs) in the period's chats, with an intent."""
    return select(Message.conversation_id).where(  # the index's condition, as it is written
        Message.conversation_id.in_(scoped(p, agent_id)), BOT_ANSWER_CONDITION,
        Message.intent.is_not(None))


def answers_by_intent(p: Period, agent_id=None) -> list:
    """``[(intent, answers, voted, helpful)]`` of the bot's answers in the period's chats.

    One statement read from ix_messages_bot_answers alone, for both the helpful ratio
    and the top intents.
    """
    return [(intent, answers, voted, int(helpful or 0)) for intent, answers, voted, helpful
            in db.session.execute(
                bot_answers(p, agent_id).with_only_columns(
                    Message.intent, func.count(), func.count(Message.helpful),
                    func.sum(case((Message.helpful.is_(True), 1), else_=0)))
                .group_by(Message.intent))]


def helpful_by_intent(p: Period, agent_id=None, *, rows=None) -> list:
    """Per intent the bot answered with, the visitors' votes: ``helpful / voted``.

    ``[{"intent", "answers", "voted", "helpful", "ratio"}]``, the most voted first; only
    intents with a vote are listed (``ratio`` of no votes would say nothing).  ``rows``:
    :func:`answers_by_intent` of the same period, when the caller has it.
    """
    rows = answers_by_intent(p, agent_id) if rows is None else rows
    out = [{"intent": intent, "answers": answers, "voted": voted, "helpful": helpful,
            "ratio": rate(helpful, voted)}
           for intent, answers, voted, helpful in rows if voted]
    return sorted(out, key=lambda r: (-r["voted"], r["intent"]))


def top_intents(p: Period, agent_id=None, limit=TOP, *, rows=None) -> list:
    """``[(intent, answers)]``: the intents the bot answered with most often, most first."""
    rows = answers_by_intent(p, agent_id) if rows is None else rows
    return sorted(((intent, answers) for intent, answers, _, _ in rows),
                  key=lambda r: (-r[1], r[0]))[:limit]


def _missed(p: Period, agent_id=None):
    """The bot's turns in the period's chats that missed their question (ix_messages_missed)."""
    return select(Message.miss_key).where(Message.conversation_id.in_(scoped(p, agent_id)),
                                          MISSED_CONDITION)


def _sent_to_inbox(p: Period, agent_id=None) -> list:
    """``[(conversation id, key, text)]``: the lines agents sent to the learning inbox."""
    return [(cid, key, text) for cid, text, _, _ in sent_by_agents(None, scoped(p, agent_id))
            if (key := miss_key_of(text))]


def top_unanswered(p: Period, agent_id=None, limit=TOP) -> list:
    """The questions the bot missed most often, grouped by the bot's normalised form.

    ``[{"key", "text", "count"}]``, most asked first; ``text`` is the group's latest
    wording, ``key`` what :func:`conversations_missing` takes.  The learning inbox's rule
    (:mod:`kefu.services.inbox`) less the answers voted not helpful (the helpful ratio
    counts those): the database counts the misses per ``miss_key`` from the index alone,
    in one pass that also names each group's latest miss, and only the groups listed
    read a visitor line.  The lines agents sent to the inbox are few and added here;
    a question in the top either has its misses in the database's top or is among
    those, so counting only those keys is exact.
    """
    sent = _sent_to_inbox(p, agent_id)
    counted = _missed(p, agent_id).with_only_columns(
        Message.miss_key, func.count(), func.max(Message.id)).group_by(Message.miss_key)
    groups = {key: [n, latest] for key, n, latest in db.session.execute(
        counted.order_by(func.count().desc(), Message.miss_key).limit(limit))}
    extra_keys = sorted({key for _, key, _ in sent} - set(groups))
    if extra_keys:
        groups.update({key: [n, latest] for key, n, latest in db.session.execute(
            counted.where(Message.miss_key.in_(extra_keys)))})
    questions = _questions_of([latest for _, latest in groups.values()])
    texts = {key: questions[latest] for key, (_, latest) in groups.items()
             if latest in questions}
    for _, key, text in sent:  # a group only agents sent: worded as the first sent
        groups.setdefault(key, [0, None])[0] += 1
        texts.setdefault(key, text)
    rows = [{"key": key, "text": texts.get(key, key), "count": n}
            for key, (n, _) in groups.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["key"]))[:limit]


def _questions_of(miss_ids: list) -> dict:
    """``{miss id: the visitor line it missed}``: one probe each, through the visitor."""
    if not miss_ids:
        return {}
    reply, visitor = Message, aliased(Message)
    return dict(db.session.execute(
        select(reply.id, visitor.text)
        .join(Conversation, Conversation.id == reply.conversation_id)
        .join(visitor, and_(visitor.visitor_id == Conversation.visitor_id,
                            visitor.client_msg_id == reply.reply_to))
        .where(reply.id.in_(miss_ids))).all())


def conversations_missing(p: Period, key: str, agent_id=None) -> list:
    """The conversations in which the bot missed the question whose normalised form is ``key``."""
    found = set(db.session.scalars(
        _missed(p, agent_id).with_only_columns(Message.conversation_id)
        .where(Message.miss_key == key)))
    return sorted(found | {cid for cid, sent_key, _ in _sent_to_inbox(p, agent_id)
                           if sent_key == key})
