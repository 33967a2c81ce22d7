"""The learning inbox: visitor questions the bot could not place, grouped, ready to become examples.

A question lands here when the bot's turn on it says the bot did not know (its *kind*):

- ``clarify``: "I can help with ..." (the bot had no plausible guess);
- ``suggest``: a "did you mean" offer the visitor did not take (their next line neither
  tapped one of the offered intents nor got an answer with one, :func:`take_offer`);
- ``offtopic``: declined as outside the FAQ (an editor may decide it belongs in it);
- ``handoff``: handed to a person, or offered the leave-a-message form when nobody was
  there, because the bot missed (low confidence, a repeated miss);
- ``not_helpful``: answered, and the visitor voted the answer not helpful;
- ``agent``: an agent who handled the chat sent the line here ("the bot should have
  answered this", :func:`kefu.services.agent_actions.send_to_inbox`).

Questions that are already an example of some intent (after the bot's own
normalisation) drop out by themselves: assigning a group writes its questions into an
intent's file (through :mod:`kefu.services.studio`, the same checked round-trip
writer).  A dismissed question (:func:`dismiss`) is kept out by its normalised text.

Similar questions are grouped, joined transitively, when the validator's
near-duplicate test says so (character 3-gram Jaccard, or one word apart,
:mod:`bot.near_duplicates`) or when the bot's own sentence embeddings are close
(cosine at least :data:`SIMILARITY`, with a model that has an encoder): so
"can you engrave my name on the mug", "is engraving possible on the travel mug" and
"杯子上可以刻字吗" show as one group with a count although they share no word.

Editors see the question texts and when they were asked, never who asked.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, literal_column, select, update
from sqlalchemy.orm import aliased

from kefu.extensions import db
from kefu.models import (MISSED_REASONS, Conversation, ConversationEvent,  # noqa: F401
                         InboxDismissal, Message, miss_kind, utcnow)
from kefu.services import lifecycle

__all__ = ["InboxGroup", "inbox_groups", "missed_lines", "sent_by_agents", "take_offer",
           "dismiss", "KINDS", "INBOX_DAYS", "MISSED_REASONS"]

INBOX_DAYS = 30
MAX_ROWS = 5000
#: Why a question is in the inbox, in the order the page lists them.
KINDS = ("clarify", "suggest", "offtopic", "handoff", "not_helpful", "agent")
_IN_CHUNK = 500
#: Cosine of the bot's centred embeddings from which two questions are one group.
#: Measured on the demo model: paraphrases of one new question (also across zh and en)
#: 0.44-0.83, different new questions at most 0.34.
SIMILARITY = 0.42


@dataclass
class InboxGroup:
    """Questions asked in nearly the same words, and what the bot made of the first."""

    texts: list = field(default_factory=list)  # distinct texts, most asked first
    count: int = 0
    languages: set = field(default_factory=set)
    first_seen: object = None
    last_seen: object = None
    kinds: dict = field(default_factory=dict)  # kind (KINDS) -> count
    conversations: dict = field(default_factory=dict)  # text -> the latest conversation id
    guesses: list = field(default_factory=list)  # [(intent id, probability)] for texts[0]


def _kind(action, extra, helpful):
    """The inbox kind of a bot turn, or None when the turn was no miss."""
    if action == "answer" and helpful is False:
        return "not_helpful"
    return miss_kind(action, extra)


def missed_lines(*, since=None, conversations=None, voted=True) -> list:
    """``[(conversation id, text, created_at, kind)]``: visitor lines the bot missed, newest first.

    Lines asked since ``since``, or in the conversations the select ``conversations``
    names (the reports' scope).  ``voted=False`` leaves out the answers voted not
    helpful (the reports count those in the helpful ratio instead).

    Read from the bot's side: its turns that missed carry ``miss_key`` as they are
    stored (kefu.models, ix_messages_missed), an offer taken loses it
    (:func:`take_offer`), and its thumbs-down answers are in ix_messages_bot_answers;
    each leads to the one visitor line it replied to.  The conditions are written with
    the indexes' own constants so that SQLite, which plans before it sees bound values,
    can use them.
    """
    rows = _replies_to_visitors([Message.miss_key.is_not(None)], since, conversations)
    if voted:
        thumbs_down = [Message.sender == literal_column("'bot'"),
                       Message.bot_action == literal_column("'answer'"),
                       Message.helpful.is_(False)]
        rows = sorted(rows + _replies_to_visitors(thumbs_down, since, conversations),
                      key=lambda row: row[0], reverse=True)[:MAX_ROWS]
    missed = [(conversation_id, text, created_at, _kind(action, extra, helpful))
              for _, text, created_at, conversation_id, action, extra, helpful in rows]
    return [row for row in missed if row[3] is not None] + sent_by_agents(since, conversations)


def take_offer(offer_id: int, intents: set, connection=None) -> bool:
    """The visitor's line right after offer ``offer_id`` went to ``intents``: taken if offered.

    Taken means the visitor tapped one of the offered intents, or the bot's turn on their
    next line answered with one (a rephrasing the bot then placed): the offer is then no
    miss, and loses its ``miss_key``.  The caller commits, with the bot's turn (on
    ``connection`` when it gives one: the Core path's transaction).
    """
    run = connection or db.session
    extra = run.scalar(select(Message.extra).where(
        Message.id == offer_id, Message.bot_action == "suggest", Message.miss_key.is_not(None)))
    offered = {s.get("intent") for s in (extra if isinstance(extra, dict) else {})
               .get("suggestions") or [] if isinstance(s, dict)}
    if not offered & (set(intents) - {None}):
        return False
    run.execute(update(Message).where(Message.id == offer_id).values(miss_key=None)
                .execution_options(synchronize_session=False))
    return True


def _replies_to_visitors(conditions, since, conversations) -> list:
    """``[(visitor line id, text, created_at, conversation id, action, extra, helpful)]``
    of the bot and system replies meeting ``conditions``, newest first."""
    reply, visitor = Message, aliased(Message)
    query = (
        select(visitor.id, visitor.text, visitor.created_at, reply.conversation_id,
               reply.bot_action, reply.extra, reply.helpful)
        # Through the conversation's visitor: (visitor_id, client_msg_id) is unique, so the
        # visitor line replied to is one probe, not a walk over the chat's visitor lines.
        .join(Conversation, Conversation.id == reply.conversation_id)
        .join(visitor, and_(visitor.visitor_id == Conversation.visitor_id,
                            visitor.client_msg_id == reply.reply_to,
                            visitor.conversation_id == reply.conversation_id,
                            visitor.sender == "visitor"))
        .where(reply.sender.in_(("bot", "system")), *conditions))
    if since is not None:
        query = query.where(visitor.created_at >= since)
    if conversations is not None:
        query = query.where(reply.conversation_id.in_(conversations))
    return db.session.execute(query.order_by(visitor.id.desc()).limit(MAX_ROWS)).all()


def sent_by_agents(since, conversations):
    """``[(conversation id, text, created_at, "agent")]``: lines agents sent to the inbox."""
    query = select(ConversationEvent.data).where(ConversationEvent.kind == lifecycle.SENT_TO_INBOX)
    if since is not None:
        query = query.where(ConversationEvent.created_at >= since)
    if conversations is not None:
        query = query.where(ConversationEvent.conversation_id.in_(conversations))
    ids = [(data or {}).get("message_id") for data in db.session.scalars(
        query.order_by(ConversationEvent.id.desc()).limit(MAX_ROWS))]
    ids = sorted({i for i in ids if isinstance(i, int)})
    sent = []
    for start in range(0, len(ids), _IN_CHUNK):
        sent += [(cid, text, created_at, "agent") for cid, text, created_at in db.session.execute(
            select(Message.conversation_id, Message.text, Message.created_at)
            .where(Message.id.in_(ids[start:start + _IN_CHUNK]), Message.sender == "visitor"))]
    return sent


def _dismissed_keys() -> set:
    return set(db.session.scalars(select(InboxDismissal.key)))


def dismiss(texts, user_id) -> list:
    """Keep ``texts`` out of the inbox for good; returns the texts newly dismissed.

    By normalised text, once each (dismissing again changes nothing); the caller
    commits, so the audit entry it writes beside it lands in the same transaction.
    """
    from bot.text import normalize

    known, added = _dismissed_keys(), []
    for text in texts:
        key = normalize(text)[:500]
        if not key or key in known:
            continue
        known.add(key)
        db.session.add(InboxDismissal(key=key, text=text[:500], dismissed_by_user_id=user_id))
        added.append(text)
    return added


def _similar_pairs(bot, texts) -> list:
    """Index pairs of ``texts`` whose embeddings are close (none without an encoder)."""
    embed = getattr(bot, "embed", None)
    vectors = embed(texts) if embed is not None and len(texts) > 1 else None
    if vectors is None:
        return []
    pairs = []
    for start in range(0, len(texts), _IN_CHUNK):  # a block of rows at a time: bounded memory
        block = vectors[start:start + _IN_CHUNK] @ vectors.T
        for i, j in zip(*(block >= SIMILARITY).nonzero()):
            if start + i < j:
                pairs.append((int(start + i), int(j)))
    return pairs


def inbox_groups(bot, known_examples, days=INBOX_DAYS) -> list:
    """The groups of missed questions not yet among ``known_examples``, biggest first.

    ``known_examples`` are the normalised examples of the intent files now;
    ``bot`` (a `bot.FaqBot`) gives each group its three best guesses.
    """
    from bot.near_duplicates import near_duplicate_pairs
    from bot.text import detect_language, normalize

    by_text, dismissed = {}, _dismissed_keys()
    for conversation_id, text, created_at, kind in missed_lines(
            since=utcnow() - timedelta(days=days)):
        key = normalize(text)
        if not key or key in known_examples or key[:500] in dismissed:
            continue
        entry = by_text.setdefault(key, {"texts": {}, "times": [], "kinds": {}, "where": {}})
        entry["where"].setdefault(text, conversation_id)  # newest first: the latest chat
        entry["texts"][text] = entry["texts"].get(text, 0) + 1
        entry["times"].append(created_at)
        entry["kinds"][kind] = entry["kinds"].get(kind, 0) + 1
    keys = list(by_text)
    parent = list(range(len(keys)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in near_duplicate_pairs(keys, list(range(len(keys)))) + _similar_pairs(bot, keys):
        parent[root(a)] = root(b)
    groups = {}
    for index, key in enumerate(keys):
        entry, group = by_text[key], groups.setdefault(root(index), InboxGroup())
        for text, n in entry["texts"].items():
            group.texts.append((n, text))
            group.count += n
            group.languages.add(detect_language(text, "en"))
        group.first_seen = min([t for t in (group.first_seen, *entry["times"]) if t])
        group.last_seen = max([t for t in (group.last_seen, *entry["times"]) if t])
        for kind, n in entry["kinds"].items():
            group.kinds[kind] = group.kinds.get(kind, 0) + n
        group.conversations.update(entry["where"])
    result = []
    for group in groups.values():
        group.texts = [text for _, text in sorted(group.texts, key=lambda item: -item[0])]
        top3, _ = bot.classify(group.texts[0])
        group.guesses = [(intent, float(p)) for intent, p in top3]
        result.append(group)
    result.sort(key=lambda g: (-g.count, g.texts[0]))
    return result
