"""Text normalisation and language detection, shared by training and prediction.

Training examples and visitor messages go through the same `normalize`, so
that "ＷＨＥＲＥ is my order？" and "where is my order?" reach the classifier as
the same string. Everything here runs once per chat message: plain `str`
methods and precompiled regular expressions, no tokenisers or models.
"""
import re
import unicodedata

__all__ = ["LANGUAGES", "CJK_RANGES", "normalize", "detect_language", "example_languages"]

#: The languages the bot answers in, in fallback order.
LANGUAGES = ("zh", "en")

# CJK Unified Ideographs, Extension A, Compatibility Ideographs, Extensions B-H.
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_CJK = re.compile(f"[{CJK_RANGES}]")
# ASCII, Latin-1 and Latin Extended-A/B letters, and full-width ASCII letters
# (so raw, un-normalised text is judged the same as normalised text).
_LATIN = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\uff21-\uff3a\uff41-\uff5a]")

# NFKC already turns full-width ，？！：；（） into ASCII; these are the
# Chinese marks it leaves alone. Zero-width characters sneak in via copy-paste.
_PUNCTUATION = str.maketrans({
    "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": '"', "」": '"', "『": '"', "』": '"', "【": "[", "】": "]",
    "〔": "(", "〕": ")", "《": "<", "》": ">", "〈": "<", "〉": ">",
    "—": "-", "〜": "~",
    "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
})

#: Share of letters that must be CJK ideographs for a text to count as Chinese.
ZH_SHARE = 0.2


def normalize(text: str) -> str:
    """Reduce a text to the form the classifier sees.

    Visitors type the same question in many surface forms: full-width or
    half-width letters, Chinese or ASCII punctuation, odd spacing, any case.
    Folding these together means the FAQ needs fewer examples, and the exact
    duplicate check in `bot.intents` catches examples that differ only in form.

    Parameters
    ----------
    text : str
        Raw text as typed by a visitor or written in an intent file.

    Returns
    -------
    str
        NFKC-normalised, case-folded text with Chinese punctuation mapped to
        ASCII, whitespace runs collapsed to one space, and no leading or
        trailing space. CJK characters are kept as they are.

    Examples
    --------
    >>> normalize("  ＷＨＥＲＥ   is my Order？ ")
    'where is my order?'
    >>> normalize("我的订单。在哪里")
    '我的订单.在哪里'
    """
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION).casefold()
    return " ".join(text.split())


def detect_language(text: str, fallback: str = "en") -> str:
    """Guess which language to answer a message in.

    Chinese-speaking visitors mix in English words ("我的order到哪了"), while
    English-speaking visitors rarely type ideographs, so a message counts as
    Chinese as soon as ideographs make up a fifth of its letters.

    Parameters
    ----------
    text : str
        The message, raw or normalised.
    fallback : str, optional
        Returned when the text has no letters at all (digits, emoji, empty),
        typically the language of the conversation so far.

    Returns
    -------
    str
        ``"zh"``, ``"en"`` or `fallback`.

    Examples
    --------
    >>> detect_language("我的order到哪了")
    'zh'
    >>> detect_language("where is my order")
    'en'
    >>> detect_language("12345", fallback="zh")
    'zh'
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk + latin == 0:
        return fallback
    return "zh" if cjk >= ZH_SHARE * (cjk + latin) else "en"


def example_languages(text: str) -> set[str]:
    """Say which languages a training example is written in.

    The validator requires an answer in every language an intent's examples
    use, because a visitor who asks in that language will get that answer.
    Any ideograph makes an example Chinese and any Latin letter makes it
    English, so a mixed example needs both answers.

    Parameters
    ----------
    text : str
        One example, raw or normalised.

    Returns
    -------
    set of str
        A subset of ``{"zh", "en"}``; empty for digits or emoji only.
    """
    languages = set()
    if _CJK.search(text):
        languages.add("zh")
    if _LATIN.search(text):
        languages.add("en")
    return languages
