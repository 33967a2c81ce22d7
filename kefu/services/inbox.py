"""The learning inbox: visitor questions the bot could not place, grouped, ready to become examples.

A question lands here when the bot's reply to it was a "did you mean" offer or a
handoff for low confidence (or for a repeated miss). Questions that are already
an example of some intent (after the bot's own normalisation) drop out by
themselves: assigning a group writes its questions into an intent's file
(through :mod:`kefu.services.studio`, the same checked round-trip writer), so the
inbox needs no state of its own for them.

Similar questions are grouped by the validator's near-duplicate test (character
3-gram Jaccard, or one word apart, :mod:`bot.near_duplicates`) joined
transitively, so "what time do you open" and "what time do you open?" and
"when do you open" (if close enough) show as one group with a count.

Editors see the question texts and when they were asked, never who asked.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from kefu.extensions import db
from kefu.models import Message, utcnow

__all__ = ["InboxGroup", "inbox_groups", "INBOX_DAYS", "MISSED_REASONS"]

INBOX_DAYS = 30
MAX_ROWS = 5000
#: Handoffs that mean "the bot did not know", unlike a visitor asking for a person.
MISSED_REASONS = ("low_confidence", "repeated_miss")


@dataclass
class InboxGroup:
    """Questions asked in nearly the same words, and what the bot made of the first."""

    texts: list = field(default_factory=list)  # distinct texts, most asked first
    count: int = 0
    languages: set = field(default_factory=set)
    first_seen: object = None
    last_seen: object = None
    actions: dict = field(default_factory=dict)  # bot action -> count
    guesses: list = field(default_factory=list)  # [(intent id, probability)] for texts[0]


def _missed_questions(days):
    """``[(text, created_at, action)]``: visitor lines whose bot reply was a miss."""
    visitor, reply = aliased(Message), aliased(Message)
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(visitor.text, visitor.created_at, reply.bot_action, reply.extra)
        .join(reply, and_(reply.conversation_id == visitor.conversation_id,
                          reply.reply_to == visitor.client_msg_id,
                          reply.sender.in_(("bot", "system"))))
        .where(visitor.sender == "visitor", visitor.created_at >= since,
               reply.bot_action.in_(("suggest", "escalate")))
        .order_by(visitor.id.desc()).limit(MAX_ROWS))
    missed = []
    for text, created_at, action, extra in rows:
        reason = (extra or {}).get("reason") if isinstance(extra, dict) else None
        if action == "escalate" and reason not in MISSED_REASONS:
            continue
        missed.append((text, created_at, action))
    return missed


def inbox_groups(bot, known_examples, days=INBOX_DAYS) -> list:
    """The groups of missed questions not yet among ``known_examples``, biggest first.

    ``known_examples`` are the normalised examples of the intent files now;
    ``bot`` (a `bot.FaqBot`) gives each group its three best guesses.
    """
    from bot.near_duplicates import near_duplicate_pairs
    from bot.text import detect_language, normalize

    by_text = {}
    for text, created_at, action in _missed_questions(days):
        key = normalize(text)
        if not key or key in known_examples:
            continue
        entry = by_text.setdefault(key, {"texts": {}, "times": [], "actions": {}})
        entry["texts"][text] = entry["texts"].get(text, 0) + 1
        entry["times"].append(created_at)
        entry["actions"][action] = entry["actions"].get(action, 0) + 1
    keys = list(by_text)
    parent = list(range(len(keys)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in near_duplicate_pairs(keys, list(range(len(keys)))):
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
        for action, n in entry["actions"].items():
            group.actions[action] = group.actions.get(action, 0) + n
    result = []
    for group in groups.values():
        group.texts = [text for _, text in sorted(group.texts, key=lambda item: -item[0])]
        top3, _ = bot.classify(group.texts[0])
        group.guesses = [(intent, float(p)) for intent, p in top3]
        result.append(group)
    result.sort(key=lambda g: (-g.count, g.texts[0]))
    return result
