"""Find pairs of texts so alike that a classifier cannot learn to tell them apart.

Two intents that share an example, or nearly so, teach the model that one
question has two answers. Exact repeats are easy to catch with a set; this
module finds the near ones among thousands of examples without comparing every
pair, so validation stays fast as an FAQ grows. It knows nothing of intents:
callers pass texts and a group per text, and get back the pairs across groups.
"""
import math
import re
from collections import Counter, defaultdict

from bot.text import CJK_RANGES

__all__ = ["NEAR_DUPLICATE_JACCARD", "near_duplicate_pairs"]

NEAR_DUPLICATE_JACCARD = 0.85

_TOKEN = re.compile(f"[{CJK_RANGES}]|[^\\W{CJK_RANGES}]+")
_PUNCTUATION = re.compile(r"[^\w\s]+")


def near_duplicate_pairs(texts, groups, threshold=NEAR_DUPLICATE_JACCARD):
    """Index pairs ``(i, j)``, ``i < j``, of normalised texts in different groups that are too alike.

    Ignoring punctuation, two texts are too alike when their character 3-gram
    sets have Jaccard similarity >= `threshold`, or when one is the other plus
    a single token (a word, or one CJK character) and has at least four
    tokens, so that "shipping" and "shipping cost" stay apart.
    """
    stripped = [" ".join(_PUNCTUATION.sub(" ", text).split()) for text in texts]
    pairs = _similar_trigram_pairs(stripped, threshold) | _one_token_apart_pairs(stripped)
    return sorted((i, j) for i, j in pairs if groups[i] != groups[j])


def _similar_trigram_pairs(texts, threshold):
    """All-pairs Jaccard search with prefix filtering, in time near-linear for typical FAQs.

    Each text's 3-grams are ordered rarest first; two sets with Jaccard >= t
    must share a gram within the first ``n - ceil(t * n) + 1`` of each, so
    only those prefixes are indexed and probed.
    """
    grams = [{f" {text} "[k:k + 3] for k in range(len(text))} for text in texts]
    frequency = Counter(gram for gram_set in grams for gram in gram_set)
    index, pairs = defaultdict(list), set()
    for i, gram_set in enumerate(grams):
        size = len(gram_set)
        prefix = sorted(gram_set, key=lambda gram: (frequency[gram], gram))
        prefix = prefix[: size - math.ceil(threshold * size - 1e-9) + 1]
        candidates = {j for gram in prefix for j in index[gram]}
        for gram in prefix:
            index[gram].append(i)
        for j in candidates:
            shared = len(gram_set & grams[j])
            if shared >= threshold * (size + len(grams[j]) - shared):
                pairs.add((j, i))
    return pairs


def _one_token_apart_pairs(texts):
    """Pairs where deleting one token from a text of four or more tokens gives the other.

    Short texts differ in meaning by one word too often ("refund" and "refund
    status"), so only longer ones count.
    """
    tokens = [tuple(_TOKEN.findall(text)) for text in texts]
    by_tokens = defaultdict(list)
    for i, toks in enumerate(tokens):
        by_tokens[toks].append(i)
    pairs = set()
    for j, toks in enumerate(tokens):
        if len(toks) >= 4:
            for k in range(len(toks)):
                pairs.update((min(i, j), max(i, j)) for i in by_tokens.get(toks[:k] + toks[k + 1:], ()))
    return pairs
