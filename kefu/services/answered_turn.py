"""The hot path of a visitor message: the bot says something, in one transaction, on Core.

Nearly every visitor message arrives in a conversation the bot holds and gets one bot
line back (an answer, a "did you mean", small talk ...).  On the ORM path that message
cost about 7 ms of CPU, 3 of them in SQLAlchemy's unit of work, its flushes, refreshes
and result objects (docs/benchmarks.md, issue 12).  Here the same turn is a handful of
prepared Core statements on one connection of the engine:

1. read the visitor, its open conversation and the conversation's latest bot or system
   turn (one SELECT); only when that turn is a miss or a neutral one does the policy need
   the turns before it (:func:`kefu.services.bot_turns.last_turns`, one more SELECT);
2. the bot thinks and the policy decides (no write has started, so no write lock is held);
3. in one transaction: UPDATE the conversation (``state = 'bot'`` still, its language,
   ``bot_spoke_at``), INSERT the visitor's line already ``answered``, take the "did you
   mean" offer the turn follows (:func:`kefu.services.inbox.take_offer`), INSERT the bot's
   line with its ``miss_key``, move the visitor's ``last_seen`` when due; COMMIT.  The
   caller acks only after this returns, so an ack still means "committed".

Every rule of the ORM path is applied here from the same functions, so both store the
same rows (tests/kefu/test_answered_turn.py compares them): the bot's line from
:func:`bot_turns.reply_values`, its miss key from :func:`kefu.models.miss_kind` and
:func:`kefu.models.miss_key_of` (what the ``_key_of_a_miss`` listener does), the figure
``bot_spoke_at`` as ``_figures_of_a_line`` keeps it (the earliest bot line), the language
from :func:`language.after_visitor_text`, ``last_seen`` at most once per
``visitors.SEEN_PRECISION``.

Locks (PostgreSQL): the conversation's row is the first row written, by the conditional
UPDATE, as every other writer of a chat takes it first (:func:`kefu.models.lock_conversation`:
the claim, the takeover, the ORM path's inserts); the visitor's row comes last.  A rival
that moved the chat out of ``bot`` first makes the UPDATE match nothing.

Anything else returns `Declined` before anything is written, and the caller takes the ORM
path (:func:`kefu.services.visitor_actions.post_message`): no open conversation yet, a
chat not in ``bot``, a handoff or the leave-a-message form, a bot that fails, a
``client_msg_id`` sent before (the unique constraint refuses the line: the ORM path
then answers it as a resend), a rival that changed the chat's state in between.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, case, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import (
    OPEN_STATES, Conversation, Message, UTCDateTime, Visitor, miss_key_of, miss_kind, utcnow,
)
from kefu.services import bot_turns, inbox, language, policy, visitors
from kefu.services.wire import serialize_message

_v, _c, _m = Visitor.__table__.c, Conversation.__table__.c, Message.__table__.c

#: The conversation's latest bot or system line: when it ends any row of misses (an
#: answer, a notice), it is all the policy needs, and the full read of
#: :func:`bot_turns.last_turns` is skipped.
_LATEST_TURN = (select(_m.id).where(_m.conversation_id == _c.id,
                                    or_(_m.sender == "bot", _m.sender == "system"))
                .order_by(_m.id.desc()).limit(1).scalar_subquery())
_t = Message.__table__.alias("latest_turn")
#: The visitor, its open conversation (the partial unique index allows one) and the
#: conversation's latest turn, in one SELECT.
READ = (select(_v.id, _v.locale, _v.name, _v.last_seen, _c.id, _c.state, _c.language,
               _c.created_at, _c.agent_read_up_to, _c.assigned_agent_id,
               _t.c.id, _t.c.sender, _t.c.bot_action)
        .select_from(Visitor.__table__.outerjoin(
            Conversation.__table__,
            # equalities, not IN: an IN list is expanded into the SQL on every execution
            and_(_c.visitor_id == _v.id, or_(*(_c.state == s for s in OPEN_STATES))))
            .outerjoin(_t, _t.c.id == _LATEST_TURN))
        .where(_v.public_id == bindparam("public_id"))
        .order_by(_c.id.desc()).limit(1))
_spoke_at = bindparam("spoke_at", type_=UTCDateTime())
#: The conversation's changes, and its row lock; matches nothing once the bot lost it.
TOUCH = (update(Conversation.__table__)
         .where(_c.id == bindparam("cid"), _c.state == "bot")
         .values(language=bindparam("lang"),
                 bot_spoke_at=case((or_(_c.bot_spoke_at.is_(None), _c.bot_spoke_at > _spoke_at),
                                    _spoke_at), else_=_c.bot_spoke_at)))
LINE = insert(Message.__table__)
SEEN = (update(Visitor.__table__).where(_v.id == bindparam("vid"))
        .values(last_seen=bindparam("seen")))


@dataclass(frozen=True)
class VisitorRow:
    """What the outcome tells of the visitor (its room, the supervision card)."""

    public_id: str
    name: str | None
    locale: str


@dataclass(frozen=True)
class ConversationRow:
    """The conversation after the turn, as :mod:`kefu.services.presenters` reads it."""

    id: int
    state: str
    created_at: datetime
    agent_read_up_to: int | None
    assigned_agent_id: int | None
    visitor: VisitorRow
    awaits_rating = False  # only a closed conversation awaits its rating


@dataclass(frozen=True)
class Line:
    """A stored line with the attributes :func:`serialize_message` reads."""

    id: int
    conversation_id: int
    sender: str
    text: str
    client_msg_id: str | None
    reply_to: str | None
    intent: str | None
    confidence: float | None
    bot_action: str | None
    extra: dict | None
    created_at: datetime
    sender_user_id = None
    sender_user = None
    helpful = None


@dataclass(frozen=True)
class Declined:
    """Nothing was written: the ORM path takes the message (see the module's docstring).

    ``verdict``: what the bot made of the message, when it got that far (a handoff, the
    form, a rival that moved the chat), so the ORM path does not classify it again.
    """

    verdict: object = None


#: Declined before the bot was asked.
DECLINED = Declined()


def store(public_id: str, client_msg_id: str, text: str, intent: str | None, bot):
    """``(conversation, visitor line, [bot line])`` in wire form, committed; or `Declined`.

    The connection is the engine's, not the session's: the session's transaction
    bookkeeping cost more than these statements.
    """
    with db.engine.connect() as connection:  # one checkout; rolled back unless committed
        return _store(connection, public_id, client_msg_id, text, intent, bot)


def _store(connection, public_id, client_msg_id, text, intent, bot):
    row = connection.execute(READ, {"public_id": public_id}).first()
    if row is None or row[5] != "bot":
        return DECLINED
    visitor_id, locale, name, last_seen, cid, _, lang, created_at, read_up_to, agent = row[:10]
    turns = [tuple(row[10:])] if row[10] is not None else []
    if turns and turns[0][1] == "bot" and turns[0][2] in policy.MISSES + policy.NEUTRAL:
        turns = bot_turns.last_turns(cid, connection)  # a row of misses may go further back
    rules = policy.Rules.current()
    try:
        verdict = bot_turns.verdict_of(bot, text, locale, intent)
        turn = policy.bot_turn(verdict, misses=bot_turns.misses_in_a_row(turns), rules=rules)
        if turn.action not in bot_turns.SAID:
            return Declined(verdict)
        values = bot_turns.reply_values(verdict, turn, bot=bot)
    except Exception:  # the ORM path tries again, and hands the chat to a person (bot_error)
        return DECLINED
    now = utcnow()
    reply_at = utcnow()  # the bot's line comes after the visitor's, and is bot_spoke_at
    visitor_line = {"conversation_id": cid, "visitor_id": visitor_id, "sender": "visitor",
                    "text": text, "client_msg_id": client_msg_id, "answered": True,
                    "intent": intent or None, "created_at": now}
    reply = {"conversation_id": cid, "sender": "bot", "reply_to": client_msg_id, **values,
             "miss_key": miss_key_of(text) if miss_kind(values["bot_action"],
                                                         values["extra"]) else None,
             "created_at": reply_at}
    try:
        if connection.execute(TOUCH, {"cid": cid, "spoke_at": reply_at, "lang":
                                      language.after_visitor_text(lang, locale, text)}
                              ).rowcount != 1:
            return Declined(verdict)  # an agent took the chat over in between
        visitor_line["id"] = connection.execute(LINE, visitor_line).inserted_primary_key[0]
    except IntegrityError:  # sent before: the ORM path answers the resend (its own text)
        return DECLINED
    offer = bot_turns.open_offer(turns)
    if offer is not None:  # the visitor tapped one of the offered intents, or rephrased
        inbox.take_offer(offer, {intent, verdict.intent if turn.action == "answer" else None},
                         connection)
    reply["id"] = connection.execute(LINE, reply).inserted_primary_key[0]
    if last_seen is None or now - last_seen >= visitors.SEEN_PRECISION:
        connection.execute(SEEN, {"vid": visitor_id, "seen": now})
    connection.commit()
    conversation = ConversationRow(cid, "bot", created_at, read_up_to, agent,
                                   VisitorRow(public_id, name, locale))
    return conversation, _wire(visitor_line), [_wire(reply)]


def _wire(values: dict) -> dict:
    """The wire form of a line stored from ``values``."""
    fields = {k: values.get(k) for k in Line.__dataclass_fields__}
    return serialize_message(Line(**fields))
