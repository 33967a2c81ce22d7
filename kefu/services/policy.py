"""Clarify before handing off: what a conversation does with the bot's verdict on a message.

The bot (``bot/``) only reports what it makes of a message: its ranked intents, its
confidence, how off-topic the message looks, and whether it is small talk, angry, or
an outright request for a person.  This module decides the turn from that verdict, the
conversation's state and the desk's settings, and nothing else: a better model changes
the verdicts, never this code.

While the bot owns the chat (:func:`bot_turn`):

1. an acknowledgement ("好的", "ok", "嗯", "收到", "thx") gets a short reply and is no miss;
2. an outright request for a person, a handoff intent (``转人工``, a complaint) or a clearly
   angry message hands off;
3. a confident answer is given;
4. a clearly off-topic message is told politely that this is outside what the bot can
   help with, and stays with the bot (it never enters the queue by itself);
5. any other message is a *miss*: the ``clarify_misses_before_handoff``-th miss in a row
   hands off (``repeated_miss``), earlier ones get a clarifying turn: "did you mean" with
   the top three when the best candidate is plausible (confidence at least
   ``clarify_suggest_min_confidence``), else "I can help with ..." and the most asked
   topics, with the talk-to-a-person button either way.

A handoff the bot started (a miss, anger) while nobody can take the chat (nobody online,
outside business hours) does not queue the visitor: the bot stays first line and offers
the leave-a-message form.  A visitor who asks for a person is queued all the same.

While the visitor waits (:func:`waiting_turn`) the bot answers only what it is confident
about, marked "while you wait", and the visitor keeps their place; once an agent holds
the chat the bot says nothing.
"""
from dataclasses import dataclass

from kefu.services import settings

#: Handoffs the visitor asked for: queued even when nobody can take the chat now.
ASKED_FOR = ("handoff_intent", "visitor_request")


@dataclass(frozen=True)
class Rules:
    """The policy's settings, read once per turn (see :data:`kefu.services.settings.DEFAULTS`)."""

    misses_before_handoff: int = 2
    offtopic_threshold: float = 0.7
    suggest_min_confidence: float = 0.15
    answer_while_waiting: bool = True

    @classmethod
    def current(cls) -> "Rules":
        """The rules as the desk's settings say now."""
        values = settings.all_settings()  # one query, not one per setting
        return cls(misses_before_handoff=values["clarify_misses_before_handoff"],
                   offtopic_threshold=values["offtopic_threshold"],
                   suggest_min_confidence=values["clarify_suggest_min_confidence"],
                   answer_while_waiting=values["answer_while_waiting"])


@dataclass(frozen=True)
class Turn:
    """What the conversation does with one visitor message.

    ``action``: ``answer``, ``suggest`` ("did you mean"), ``clarify`` ("I can help
    with ..."), ``offtopic``, ``small_talk``, ``handoff`` (with ``reason``),
    ``offer_form`` (a handoff nobody can take now: ``reason`` is the offline reason,
    ``stands_for`` the handoff reason it replaces) or ``silent``.
    """

    action: str
    reason: str | None = None
    stands_for: str | None = None

    @property
    def is_miss(self) -> bool:
        """A clarifying turn: counts towards ``clarify_misses_before_handoff``."""
        return self.action in MISSES


#: Bot actions stored on clarifying turns (the misses counted in a row).
MISSES = ("suggest", "clarify")
#: Bot actions that neither count as a miss nor break a row of misses.
NEUTRAL = ("small_talk", "offtopic")


def bot_turn(verdict, *, misses: int, rules: Rules, offline: str | None = None) -> Turn:
    """The turn while the bot owns the chat.

    ``verdict`` is the bot's ``Decision``; ``misses`` how many clarifying turns in a row
    came just before (:data:`NEUTRAL` turns between them do not break the row);
    ``offline`` the reason nobody can take a chat now (``no_agents``, ``after_hours``).
    """
    if verdict.small_talk and not verdict.asks_for_person:
        return Turn("small_talk")
    if verdict.asks_for_person or verdict.reason == "handoff_intent":
        return _handoff("handoff_intent", offline)
    if verdict.angry:
        return _handoff("angry", offline)
    if verdict.action == "answer":
        return Turn("answer")
    if verdict.offtopic >= rules.offtopic_threshold:
        return Turn("offtopic")
    if misses + 1 >= rules.misses_before_handoff:  # with 1, no clarifying turn at all
        return _handoff("repeated_miss" if rules.misses_before_handoff > 1
                        else "low_confidence", offline)
    if verdict.action == "suggest" or (verdict.ranked and
                                       verdict.confidence >= rules.suggest_min_confidence):
        return Turn("suggest")
    return Turn("clarify")


def waiting_turn(verdict, *, rules: Rules) -> Turn:
    """The turn while the visitor waits for a person: confident answers only."""
    if (rules.answer_while_waiting and verdict.action == "answer" and not verdict.small_talk
            and not verdict.handoff and not verdict.asks_for_person):
        return Turn("answer")
    return Turn("silent")


def _handoff(reason: str, offline: str | None) -> Turn:
    if offline and reason not in ASKED_FOR:
        return Turn("offer_form", offline, stands_for=reason)
    return Turn("handoff", reason)
