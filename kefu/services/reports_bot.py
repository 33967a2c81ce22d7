"""The bot's figures: what it answered, what it could not place, how visitors voted.

Counted over the same conversations as every report (:func:`kefu.services.report_period.scoped`);
shown to admins only, like bot containment.  Defined in docs/metrics.md.
"""
from collections import Counter

from sqlalchemy import case, func, select

from bot.text import normalize
from kefu.extensions import db
from kefu.models import BOT_ANSWER_CONDITION, Message
from kefu.services.inbox import missed_lines
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


def missed_questions(p: Period, agent_id=None) -> list:
    """``[(conversation id, text)]``: visitor lines the bot did not answer.

    The learning inbox's rule (:func:`kefu.services.inbox.missed_lines`) less the answers
    voted not helpful: those were answered (the helpful ratio counts them).
    """
    return [(cid, text) for cid, text, _, _ in missed_lines(conversations=scoped(p, agent_id),
                                                           voted=False)]


def top_unanswered(p: Period, agent_id=None, limit=TOP) -> list:
    """The questions the bot missed most often, grouped by the bot's normalised form.

    ``[{"key", "text", "count"}]``, most asked first; ``text`` is the group's most
    common wording, ``key`` what :func:`conversations_missing` takes.
    """
    groups = {}
    for _, text in missed_questions(p, agent_id):
        key = normalize(text)
        if key:
            groups.setdefault(key, Counter())[text] += 1
    rows = [{"key": key, "text": texts.most_common(1)[0][0], "count": sum(texts.values())}
            for key, texts in groups.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["key"]))[:limit]


def conversations_missing(p: Period, key: str, agent_id=None) -> list:
    """The conversations in which the bot missed the question whose normalised form is ``key``."""
    return sorted({cid for cid, text in missed_questions(p, agent_id) if normalize(text) == key})
