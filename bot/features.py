"""N-gram TF-IDF features for Chinese and English, with a fast path for one message.

Chinese is written without spaces and the bot must not depend on a word
segmenter, so Chinese runs are read as characters: single characters and
character bigrams in the "word" block, character 1-3-grams in the "char"
block. English words give word unigrams and bigrams, and character
2-5-grams inside word boundaries (``char_wb``), which makes typos and
inflections ("refund", "refunded", "refnud") share most of their features.
Digit runs collapse to ``0`` so order numbers and dates do not become
vocabulary.

sklearn's ``TfidfVectorizer.transform`` costs about 1 ms for a single
string, most of the per-message budget. `NgramFeaturizer.vectorize_one`
builds the same vector with plain dict look-ups and returns it as index and
value arrays, so a linear model scores it with one gather and one dot
product; `transform` uses that same function for every row, so the batch and
single-message paths cannot disagree.
"""
import math
import re
from collections import Counter
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from bot.text import CJK_RANGES, normalize

__all__ = ["NgramFeaturizer", "FoldPlan", "analyze", "BLOCKS"]

_TOKEN_CACHE_SIZE = 100_000
_EMPTY_INT = np.zeros(0, dtype=np.int64)
_EMPTY_FLOAT = np.zeros(0, dtype=np.float64)
_SUBLINEAR_TF = np.concatenate(([0.0], 1.0 + np.log(np.arange(1, 256))))

#: The two feature blocks, in column order.
BLOCKS = ("word", "char")

_TOKEN = re.compile(f"([{CJK_RANGES}]+)|(\\d+)|([^\\W\\d_{CJK_RANGES}]+)")


def _tokens(text):
    """Split normalised text into ``(kind, token)`` runs: ``cjk``, ``digits`` or ``word``.

    The one tokeniser of both fitting (`analyze`) and prediction
    (`NgramFeaturizer._vector`), so the two cannot split a text differently.
    """
    for cjk, digits, word in _TOKEN.findall(text):
        yield ("cjk", cjk) if cjk else ("digits", digits) if digits else ("word", word)


def _token_grams(kind, token, char_ngram_range, cjk_ngram_range):
    """``(word units, char-block n-grams)`` of one token from `_tokens`.

    A CJK run gives one word unit per character and character n-grams over
    the run; a digit run becomes ``0``; a letter run is one unit with
    ``char_wb`` n-grams. Each n-gram depends on its token only, which is
    what lets prediction cache them per token.
    """
    if kind == "cjk":
        return tuple(token), _char_ngrams(f" {token} ", *cjk_ngram_range)
    if kind == "digits":
        token = "0"
    return (token,), _char_ngrams(f" {token} ", *char_ngram_range)


def _char_ngrams(padded, lo, hi):
    """Character n-grams of one padded token, as sklearn's ``char_wb`` makes them."""
    size = len(padded)
    if size < lo:
        return [padded]
    grams = []
    for n in range(lo, min(hi, size) + 1):
        grams.extend([padded[i:i + n] for i in range(size - n + 1)])
    return grams


def _word_ngrams(units, word_ngram_range):
    """Word n-grams (with repeats) of a text's word units, unigrams first."""
    low, high = word_ngram_range
    grams = list(units) if low <= 1 else []
    if low <= 2 <= high:
        grams.extend([a + " " + b for a, b in zip(units, units[1:])])
    for n in range(max(low, 3), high + 1):
        grams.extend([" ".join(units[i:i + n]) for i in range(len(units) - n + 1)])
    return grams


def analyze(text, *, word_ngram_range=(1, 2), char_ngram_range=(2, 5),
            cjk_ngram_range=(1, 3), normalized=False):
    """Return the word-block and char-block n-grams of `text`.

    Parameters
    ----------
    text : str
        A message or training example.
    word_ngram_range : tuple of int
        Smallest and largest n of word n-grams; each CJK character counts as a word.
    char_ngram_range : tuple of int
        Smallest and largest n of character n-grams inside each letter or digit
        word, padded with one space on each side (sklearn's ``char_wb``).
    cjk_ngram_range : tuple of int
        Smallest and largest n of character n-grams over each CJK run, padded
        the same way.
    normalized : bool
        True if `text` already went through `bot.text.normalize`.

    Returns
    -------
    words, chars : list of str
        The n-grams of each block, with repeats.
    """
    if not normalized:
        text = normalize(text)
    units, chars = [], []
    for kind, token in _tokens(text):
        token_units, grams = _token_grams(kind, token, char_ngram_range, cjk_ngram_range)
        units.extend(token_units)
        chars.extend(grams)
    return _word_ngrams(units, word_ngram_range), chars


class NgramFeaturizer(TransformerMixin, BaseEstimator):
    """TF-IDF over word and character n-grams, one L2-normalised block each.

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
        Word n-gram sizes; CJK characters count as words.
    char_ngram_range : tuple of int, default=(2, 5)
        Character n-gram sizes inside Latin/digit words.
    cjk_ngram_range : tuple of int, default=(1, 3)
        Character n-gram sizes over CJK runs.
    word_min_df, char_min_df : int, default=1 and 2
        Keep an n-gram only if at least this many training texts contain it.
    word_weight : float, default=0.85
        Scale of the word block relative to the char block (which has weight 1).
    sublinear_tf : bool, default=True
        Use ``1 + log(count)`` instead of the raw count.

    Attributes
    ----------
    vocabularies_ : dict of str to dict
        For each block, n-gram to column index (char columns follow word columns).
    idf_ : ndarray of shape (n_features,)
        Smoothed inverse document frequency of each column.
    n_features_out_ : int
        Total number of columns.
    """

    def __init__(self, *, word_ngram_range=(1, 2), char_ngram_range=(2, 5),
                 cjk_ngram_range=(1, 3), word_min_df=1, char_min_df=2,
                 word_weight=0.85, sublinear_tf=True):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.cjk_ngram_range = cjk_ngram_range
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.word_weight = word_weight
        self.sublinear_tf = sublinear_tf

    def _analyze(self, text):
        return analyze(text, word_ngram_range=tuple(self.word_ngram_range),
                       char_ngram_range=tuple(self.char_ngram_range),
                       cjk_ngram_range=tuple(self.cjk_ngram_range), normalized=True)

    def fit(self, X, y=None):
        """Learn the vocabularies and IDF weights from the texts `X`.

        Parameters
        ----------
        X : iterable of str
            Training texts.
        y : ignored

        Returns
        -------
        self : NgramFeaturizer
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the TF-IDF matrix of `X` (analyzing each text once)."""
        texts = self._fit(X)
        return self._matrix(texts)

    def _fit(self, X):
        texts = [normalize(text) for text in _as_texts(X)]
        analyzed = [self._analyze(text) for text in texts]
        n_docs = len(analyzed)
        vocabularies, idf, offset = {}, [], 0
        for block, min_df in zip(range(len(BLOCKS)), (self.word_min_df, self.char_min_df)):
            df = Counter()
            for grams in analyzed:
                df.update(set(grams[block]))
            kept = sorted(gram for gram, count in df.items() if count >= min_df)
            vocabularies[BLOCKS[block]] = {gram: offset + i for i, gram in enumerate(kept)}
            idf.extend(math.log((1 + n_docs) / (1 + df[gram])) + 1.0 for gram in kept)
            offset += len(kept)
        self.vocabularies_ = vocabularies
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.n_features_out_ = offset
        self._prepare()
        return texts

    def _prepare(self):
        """Build the look-up tables of the fast path from the fitted attributes."""
        self._tables = [self.vocabularies_[block] for block in BLOCKS]
        self._n_word = len(self._tables[0])
        self._weights = (float(self.word_weight), 1.0)
        self._token_cache = {}

    def transform(self, X):
        """Return the TF-IDF matrix of `X`, one row per text.

        Parameters
        ----------
        X : iterable of str

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n_texts, n_features_out_)
        """
        check_is_fitted(self, "vocabularies_")
        return self._matrix([normalize(text) for text in _as_texts(X)])

    def _matrix(self, texts):
        indptr, indices, values = [0], [], []
        for text in texts:
            idx, val, _ = self._vector(text)
            indices.append(idx)
            values.append(val)
            indptr.append(indptr[-1] + len(idx))
        return sp.csr_matrix(
            (np.concatenate(values or [_EMPTY_FLOAT]), np.concatenate(indices or [_EMPTY_INT]),
             np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), self.n_features_out_))

    def vectorize_one(self, text):
        """Return the feature vector of one text as sparse arrays, without scipy.

        Parameters
        ----------
        text : str

        Returns
        -------
        indices : ndarray of int64
            Column indices of the non-zero features.
        values : ndarray of float64
            Their TF-IDF values, each block L2-normalised and weighted.
        coverage : tuple of float
            For each block, the share of the text's n-grams found in the
            vocabulary (1.0 for an empty block); an out-of-scope signal, since
            questions the FAQ does not cover use words it never saw.
        """
        if not hasattr(self, "_tables"):
            raise NotFittedError("NgramFeaturizer is not fitted yet; call fit first")
        return self._vector(normalize(text))

    def coverage(self, X):
        """Return an array of shape (n_texts, 2): vocabulary coverage of each block per text."""
        check_is_fitted(self, "vocabularies_")
        return np.asarray([self._vector(normalize(text))[2] for text in _as_texts(X)])

    def _vector(self, text):
        """Return ``(indices, values, coverage)`` of one normalised text, via cached token look-ups."""
        units, char_hits, char_total = [], [], 0
        cache = self._token_cache
        for kind, token in _tokens(text):
            entry = cache.get(token) or self._lookup_token(kind, token)
            units.extend(entry[0])
            char_hits.extend(entry[1])
            char_total += entry[2]
        grams = _word_ngrams(units, self.word_ngram_range)
        word_hits = [hit for hit in map(self._tables[0].get, grams) if hit is not None]
        coverage = (len(word_hits) / len(grams) if grams else 1.0,
                    len(char_hits) / char_total if char_total else 1.0)
        if not word_hits and not char_hits:
            return _EMPTY_INT, _EMPTY_FLOAT, coverage
        word_counts, char_counts = Counter(word_hits), Counter(char_hits)
        n_word = len(word_counts)
        idx = np.fromiter(chain(word_counts, char_counts), dtype=np.int64,
                          count=n_word + len(char_counts))
        val = self.idf_[idx]
        if len(idx) != len(word_hits) + len(char_hits):
            tf = np.fromiter(chain(word_counts.values(), char_counts.values()), dtype=np.int64,
                             count=len(idx))
            if self.sublinear_tf:
                val *= _SUBLINEAR_TF[np.minimum(tf, len(_SUBLINEAR_TF) - 1)]
            else:
                val *= tf
        for part, weight in ((val[:n_word], self._weights[0]), (val[n_word:], self._weights[1])):
            if len(part):
                part *= weight / math.sqrt(float(part @ part))
        return idx, val, coverage

    def _lookup_token(self, kind, token):
        """Word units, char-block columns and n-gram count of one raw token, remembered per token."""
        units, grams = _token_grams(kind, token, self.char_ngram_range, self.cjk_ngram_range)
        hits = [hit for hit in map(self._tables[1].get, grams) if hit is not None]
        entry = (units, hits, len(grams))
        if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
            self._token_cache.clear()
        self._token_cache[token] = entry
        return entry

    def fold_plan(self, X):
        """Analyze the texts `X` once, for fitting copies of this featurizer on subsets of them.

        Cross-validation fits one featurizer per fold on most of the same
        texts; `FoldPlan` splits every text into n-grams once and derives each
        fold's vocabulary, IDF and matrices with array operations, equal to
        ``clone(self).fit_transform`` on the subset, bit for bit.
        """
        return FoldPlan(self, X)

    # --- persistence: plain arrays and lists, no pickle ---------------------

    def to_arrays(self):
        """Return the fitted state as JSON-safe parameters plus numpy arrays."""
        check_is_fitted(self, "vocabularies_")
        params = self.get_params()
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
        grams = {block: sorted(vocab, key=vocab.get) for block, vocab in self.vocabularies_.items()}
        return params, {"idf": self.idf_}, grams

    @classmethod
    def from_arrays(cls, params, arrays, grams):
        """Rebuild a fitted featurizer from what `to_arrays` returned."""
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        self = cls(**params)
        offset, vocabularies = 0, {}
        for block in BLOCKS:
            vocabularies[block] = {gram: offset + i for i, gram in enumerate(grams[block])}
            offset += len(grams[block])
        self.vocabularies_ = vocabularies
        self.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        self.n_features_out_ = offset
        if len(self.idf_) != offset:
            raise ValueError("vocabulary and idf sizes differ")
        self._prepare()
        return self

    def __setstate__(self, state):
        super().__setstate__(state)
        if "vocabularies_" in state:
            self._prepare()

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_tables", None)
        state.pop("_weights", None)
        state.pop("_n_word", None)
        state.pop("_token_cache", None)
        return state


class FoldPlan:
    """N-gram counts of a fixed list of texts, from which featurizers for any subset are fitted.

    Built by `NgramFeaturizer.fold_plan`. Each text's n-grams are kept as
    (n-gram id, count) pairs in the order `NgramFeaturizer._vector` meets
    them (word block, then char block, each in order of first occurrence),
    so the matrices built here hold the same numbers in the same order as
    the per-text path: the linear model sees identical input, and what
    cross-validation learns does not depend on this shortcut.
    """

    def __init__(self, featurizer, X):
        self._params = featurizer.get_params()
        self._template = featurizer
        texts = [normalize(text) for text in _as_texts(X)]
        self.n_texts = len(texts)
        ids = ({}, {})
        entries, counts, starts, totals = [], [], [0], np.zeros((len(texts), 2), dtype=np.int64)
        for row, text in enumerate(texts):
            for block, grams in enumerate(featurizer._analyze(text)):
                tally = Counter(grams)
                table = ids[block]
                entries.extend(table.setdefault(gram, len(table)) for gram in tally)
                counts.extend(tally.values())
                totals[row, block] = len(grams)
                starts.append(len(entries))
        n_word = len(ids[0])
        self._grams = [list(ids[0]), list(ids[1])]
        # One id space: word n-grams first, then char n-grams; `_is_char` tells them apart.
        gram_ids = np.asarray(entries, dtype=np.int64)
        self._starts = np.asarray(starts, dtype=np.int64)  # two segments (word, char) per text
        segment_block = np.tile([0, 1], len(texts))
        self._is_char = np.repeat(segment_block, np.diff(self._starts)).astype(bool)
        gram_ids[self._is_char] += n_word
        self._ids = gram_ids
        self._counts = np.asarray(counts, dtype=np.int64)
        self._totals = totals
        self._n_word = n_word
        self._sorted = [np.asarray(sorted(range(len(g)), key=g.__getitem__), dtype=np.int64)
                        for g in self._grams]

    def _entries(self, rows):
        """Positions of the entries of `rows` (in that order), and each entry's position in `rows`."""
        rows = np.asarray(rows, dtype=np.int64)
        lo, hi = self._starts[2 * rows], self._starts[2 * rows + 2]
        lengths = hi - lo
        owner = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.repeat(lo - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return np.arange(int(lengths.sum()), dtype=np.int64) + offsets, owner

    def fit(self, rows):
        """Fit a featurizer on the texts `rows`; return ``(fold, matrix)``.

        `fold` is the state `transform` needs (its ``featurizer`` attribute is
        the fitted `NgramFeaturizer`), `matrix` the TF-IDF matrix of `rows`.
        """
        positions, _ = self._entries(rows)
        n_docs = len(rows)
        present = np.bincount(self._ids[positions], minlength=self._n_word + len(self._grams[1]))
        column = np.full(len(present), -1, dtype=np.int64)
        vocabularies, idf, offset = {}, [], 0
        idf_of = {}
        for block, min_df in enumerate((self._params["word_min_df"], self._params["char_min_df"])):
            base = 0 if block == 0 else self._n_word
            order = self._sorted[block]
            df = present[base + order]
            kept = order[df >= min_df]
            kept_df = df[df >= min_df]
            column[base + kept] = offset + np.arange(len(kept))
            grams = self._grams[block]
            vocabularies[BLOCKS[block]] = {grams[g]: offset + i for i, g in enumerate(kept.tolist())}
            for count in kept_df.tolist():
                value = idf_of.get(count)
                if value is None:
                    value = idf_of[count] = math.log((1 + n_docs) / (1 + count)) + 1.0
                idf.append(value)
            offset += len(kept)
        featurizer = clone(self._template)
        featurizer.vocabularies_ = vocabularies
        featurizer.idf_ = np.asarray(idf, dtype=np.float64)
        featurizer.n_features_out_ = offset
        featurizer._prepare()
        fold = _Fold(featurizer, column)
        matrix, _ = self.transform(fold, rows)
        return fold, matrix

    def transform(self, fold, rows):
        """Return ``(matrix, coverage)`` of the texts `rows` under a fitted `fold`.

        Equal to ``fold.featurizer.transform`` and ``.coverage`` of those texts.
        """
        featurizer = fold.featurizer
        positions, owner = self._entries(rows)
        columns = fold.column[self._ids[positions]]
        hit = columns >= 0
        counts = self._counts[positions]
        is_char = self._is_char[positions]
        n_rows = len(rows)
        hits = np.zeros((n_rows, 2))
        np.add.at(hits, (owner, is_char.astype(np.int64)), np.where(hit, counts, 0))
        totals = self._totals[np.asarray(rows, dtype=np.int64)]
        coverage = np.where(totals > 0, hits / np.maximum(totals, 1), 1.0)
        columns, counts, owner, is_char = columns[hit], counts[hit], owner[hit], is_char[hit]
        values = featurizer.idf_[columns]
        if self._params["sublinear_tf"]:
            values *= _SUBLINEAR_TF[np.minimum(counts, len(_SUBLINEAR_TF) - 1)]
        else:
            values *= counts
        # Each (text, block) segment is scaled as `_vector` scales it, one dot product each,
        # so the norms are summed in the same order.
        segment = 2 * owner + is_char
        bounds = np.flatnonzero(np.diff(segment)) + 1
        edges = np.concatenate(([0], bounds, [len(values)])) if len(values) else np.zeros(1, int)
        weights = (float(featurizer.word_weight), 1.0)
        for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist()):
            part = values[lo:hi]
            part *= weights[int(is_char[lo])] / math.sqrt(float(part @ part))
        indptr = np.concatenate(([0], np.cumsum(np.bincount(owner, minlength=n_rows))))
        matrix = sp.csr_matrix((values, columns, indptr.astype(np.int64)),
                               shape=(n_rows, featurizer.n_features_out_))
        return matrix, coverage


class _Fold:
    """A featurizer fitted by `FoldPlan.fit`, with its map from plan n-gram ids to columns."""

    def __init__(self, featurizer, column):
        self.featurizer = featurizer
        self.column = column


def _as_texts(X):
    if isinstance(X, str):
        raise ValueError("expected an iterable of texts, got a single string")
    return [str(text) for text in X]
