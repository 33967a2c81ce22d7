"""Words the FAQ's own examples never use: a sign that a question is about something else.

A near-miss off-topic question borrows the shop's words and adds one of its own:
"how do I cancel my <delivery app> order", "<某平台>上的订单怎么退款". Every shop word
is in the vocabulary, so coverage stays high and the top intent is confident; what
gives it away is the name no example of any intent has ever used. The
*unknown words* input of the confidence model counts those: Latin words, and
Chinese character pairs (the bot has no segmenter; a pair is the smallest unit
that tells "淘宝" from "宝贝"), that appear in no intent example. It is learned,
not a list of brands: which counts mean "off-topic" the confidence model learns
from the out-of-fold counts of the intent examples (typos and rare words make
unknown words in real questions too) against those of ``bot/data/oos.txt``.
The off-topic sentences do not count as known: knowing "amazon" from an off-topic
sentence is exactly what should not make a question look like the FAQ.
"""
import math

import numpy as np

from bot.features import _tokens
from bot.text import normalize

__all__ = ["units", "KnownWords", "out_of_fold_unknown", "unknown_feature"]


def units(text):
    """The words of `text` that the count looks at: Latin words and Chinese character pairs.

    Digits are left out (order numbers are never "known"); a one-character
    Chinese run counts as itself.
    """
    out = []
    for kind, token in _tokens(normalize(text)):
        if kind == "word":
            out.append(token)
        elif kind == "cjk":
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(token[i:i + 2] for i in range(len(token) - 1))
    return out


def unknown_feature(count):
    """The confidence input for `count` unknown words: ``log(1 + count)`` (the first one says
    the most; in cross-validation the log scored as well as a capped count, better than the
    share)."""
    return math.log1p(count)


class KnownWords:
    """The set of `units` of the intent examples, and the unknown-word input of a message."""

    def __init__(self, texts):
        self._known = frozenset(unit for text in texts for unit in units(text))

    def __len__(self):
        return len(self._known)

    def count(self, text):
        """Number of the message's `units` that no intent example uses (with repeats)."""
        return sum(unit not in self._known for unit in units(text))

    def feature(self, text):
        """`unknown_feature` of one message."""
        return unknown_feature(self.count(text))

    def features(self, texts):
        """`unknown_feature` of each text, as an array."""
        return np.asarray([self.feature(text) for text in texts], dtype=np.float64)


def out_of_fold_unknown(texts, known_rows, folds):
    """Held-out unknown-word input of each text, with the classifier's folds.

    Parameters
    ----------
    texts : list of str
    known_rows : ndarray of bool
        Rows whose words count as known (the intent examples, not the off-topic sentences).
    folds : ndarray of int
        Fold of each row (`FaqClassifier.oof_folds_`): a row's words are looked up among
        the known rows of the other folds, as the message of a visitor is looked up among
        all of them.

    Returns
    -------
    ndarray of shape (len(texts),)
    """
    known_rows = np.asarray(known_rows, dtype=bool)
    folds = np.asarray(folds)
    out = np.zeros(len(texts))
    for fold in np.unique(folds):
        inside = np.flatnonzero(folds == fold)
        known = KnownWords([texts[i] for i in np.flatnonzero(known_rows & (folds != fold))])
        out[inside] = [known.feature(texts[i]) for i in inside]
    return out
