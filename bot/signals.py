"""Signals about a message that are not an intent: acknowledgements, anger, asking for a person.

The classifier ranks intents; these short lexicon checks say what kind of message it is
besides, so a conversation policy can treat "好的" as small talk rather than a question
the bot failed, and a furious message as a reason to bring in a person.  They are
deliberately conservative (exact acknowledgements, strong words): a signal that fires
wrongly does more harm than one that stays quiet, since the classifier still has its say.
"""
import re

from bot.text import normalize

__all__ = ["is_acknowledgement", "is_angry", "asks_for_person"]

#: Whole messages that only acknowledge: after normalising and dropping punctuation.
ACKNOWLEDGEMENTS = frozenset({
    # zh
    "好", "好的", "好滴", "好哒", "好吧", "好嘞", "好哦", "好的呢", "好的谢谢", "嗯", "嗯嗯", "嗯嗯嗯",
    "哦", "哦哦", "噢", "喔", "收到", "收到了", "知道了", "明白", "明白了", "了解", "了解了", "懂了",
    "行", "行吧", "可以", "没问题", "ok了", "好的收到", "谢谢", "谢了", "多谢", "谢谢你", "感谢",
    # en
    "ok", "okay", "okey", "k", "kk", "ok thanks", "okay thanks", "ok thx", "ok thank you",
    "got it", "i see", "sure", "alright", "all right", "fine", "cool", "great", "nice",
    "thx", "thanks", "thank you", "ty", "tks", "noted", "understood", "yes", "yep", "yeah",
    "no problem", "np", "👍", "👌", "🙏", "😊", "ok 👍",
})

#: Strong words that make a message clearly angry (not merely unhappy).
ANGRY_WORDS = (
    "垃圾", "骗子", "骗人", "坑人", "什么破", "破网站", "气死", "太差劲", "差劲", "滚", "妈的", "他妈",
    "操", "傻逼", "sb", "恶心", "无语死",
    "scam", "scammer", "rip off", "ripoff", "useless", "worst", "terrible service",
    "ridiculous", "furious", "pissed", "wtf", "fuck", "shit", "damn it", "stupid bot",
    "disgusting", "unacceptable", "i'm angry", "im angry", "so angry",
)

#: Phrases that ask for a person outright, however the classifier ranks them.
PERSON_PHRASES = (
    "转人工", "人工客服", "人工服务", "找人工", "要人工", "真人", "活人", "客服人员", "叫你们客服",
    "real person", "human agent", "talk to a human", "speak to a human", "talk to a person",
    "speak to a person", "talk to someone", "speak to someone", "live agent", "live person",
    "customer service agent", "representative", "a human please", "human please",
)

_NOT_WORD = re.compile(r"[\s.,!?~～…:;'\"()\[\]<>\-_*]+")
_WORD_BOUNDARY_ASCII = {}  # phrase -> compiled whole-word pattern


def _bare(text: str) -> str:
    """The message normalised, without punctuation or surrounding space."""
    return _NOT_WORD.sub(" ", normalize(text)).strip()


def _contains(text: str, phrase: str) -> bool:
    """``phrase`` in ``text``; ASCII phrases only as whole words ("sb" is not in "sbc")."""
    if not phrase.isascii():
        return phrase in text
    pattern = _WORD_BOUNDARY_ASCII.get(phrase)
    if pattern is None:
        pattern = _WORD_BOUNDARY_ASCII[phrase] = re.compile(
            r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])")
    return pattern.search(text) is not None


def is_acknowledgement(text: str) -> bool:
    """True for a message that only acknowledges ("好的", "ok", "嗯", "收到", "thx")."""
    bare = _bare(text)
    return bool(bare) and (bare in ACKNOWLEDGEMENTS or bare.replace(" ", "") in ACKNOWLEDGEMENTS)


def is_angry(text: str) -> bool:
    """True for a clearly angry message: a strong word, or shouting with "!!!"."""
    bare = normalize(text)
    if any(_contains(bare, word) for word in ANGRY_WORDS):
        return True
    letters = [c for c in text if c.isalpha() and c.isascii()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)
    return ("!!!" in text or "！！！" in text) and shouting


def asks_for_person(text: str) -> bool:
    """True when the message asks outright for a human agent."""
    bare = normalize(text)
    return any(_contains(bare, phrase) for phrase in PERSON_PHRASES)
