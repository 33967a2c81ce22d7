"""The intent classifier: n-gram TF-IDF features, optionally sentence embeddings, a linear model.

A linear model over sparse n-grams is the right size for an FAQ: it trains in
well under a second on a few thousand examples and its prediction for one
message is a gather and a dot product (see `FaqClassifier.scores_one`). Word
statistics miss paraphrases that share no words, so when a packaged sentence
encoder is installed (`bot.encoder`) its embedding of the message is
appended: centred on the training mean, L2-normalised and scaled by
`embedding_scale`, so it weighs about as much as the TF-IDF blocks.

The linear model is logistic regression (C=100) when classes have few
examples, and the Crammer-Singer multi-class SVM otherwise (``model="auto"``).
Its scores are turned into probabilities by a softmax whose temperature is
fitted on out-of-fold scores, so that a probability of 0.8 means right about
8 times in 10.
"""
import math

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from bot.encoder import describe, resolve_encoder
from bot.features import NgramFeaturizer

__all__ = ["FaqClassifier", "softmax", "FEW_EXAMPLES"]

#: With fewer training examples per class than this (median), ``model="auto"`` uses
#: logistic regression, which did better than the SVM on few examples with embeddings.
FEW_EXAMPLES = 40


def softmax(scores, temperature=1.0):
    """Row-wise softmax of ``scores / temperature`` (works on 1-D and 2-D arrays)."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def _unit_rows(matrix):
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


class FaqClassifier(ClassifierMixin, BaseEstimator):
    """Text classifier: n-grams (+ sentence embeddings) then a linear model, calibrated.

    Parameters
    ----------
    featurizer : NgramFeaturizer, optional
        Unfitted featurizer to clone; ``None`` uses the defaults.
    encoder : str or Encoder, default="auto"
        Sentence encoder whose embeddings are appended to the n-gram features:
        ``"auto"`` (the packaged encoder when installed, unless the
        ``KEFU_BOT_ENCODER`` environment variable says ``none``), ``"none"``,
        or an encoder name (`bot.encoder`).
    embedding_scale : float, default=2.0
        Length of the (centred, normalised) embedding block; each TF-IDF block has length 1.
    model : {"auto", "svm", "logreg"}, default="auto"
        Linear model: ``"auto"`` is logistic regression when the median class
        has fewer than `FEW_EXAMPLES` examples, the SVM otherwise.
    C : float, default=1.0
        Inverse regularisation strength of the SVM.
    logreg_C : float, default=100.0
        Inverse regularisation strength of the logistic regression.
    multi_class : {"crammer_singer", "ovr"}, default="crammer_singer"
        Multi-class formulation of `sklearn.svm.LinearSVC`.
    tol : float, default=1e-2
        Stopping tolerance of the SVM solver.
    max_iter : int, default=2000
    calibration_folds : int, default=5
        Folds of the stratified cross-validation that produces out-of-fold
        scores, used to fit the softmax temperature and kept in
        `oof_decision_function_` for threshold selection. Fewer folds are
        used when a class has fewer examples; 0 skips it (call `calibrate`
        with held-out data then).
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray of str
    encoder_ : Encoder or None
    linear_ : LinearSVC or LogisticRegression
    temperature_ : float
    oof_decision_function_ : ndarray of shape (n_samples, n_classes) or None
    oof_coverage_ : ndarray of shape (n_samples, 2) or None
    oof_class_similarity_ : ndarray of shape (n_samples, n_classes) or None
        Out-of-fold cosine similarity of each training text to the nearest
        example of each class (embedding space); None without an encoder.
    """

    def __init__(self, *, featurizer=None, encoder="auto", embedding_scale=2.0, model="auto",
                 C=1.0, logreg_C=100.0, multi_class="crammer_singer", tol=1e-2, max_iter=2000,
                 calibration_folds=5, random_state=0):
        self.featurizer = featurizer
        self.encoder = encoder
        self.embedding_scale = embedding_scale
        self.model = model
        self.C = C
        self.logreg_C = logreg_C
        self.multi_class = multi_class
        self.tol = tol
        self.max_iter = max_iter
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # --- fitting ------------------------------------------------------------

    def _model_kind(self, counts):
        if self.model == "auto":
            return "logreg" if np.median(counts) < FEW_EXAMPLES else "svm"
        if self.model not in ("svm", "logreg"):
            raise ValueError(f"model must be 'auto', 'svm' or 'logreg', got {self.model!r}")
        return self.model

    def _make_linear(self, kind):
        if kind == "logreg":
            return LogisticRegression(C=self.logreg_C, max_iter=self.max_iter, tol=1e-3)
        return LinearSVC(C=self.C, multi_class=self.multi_class, tol=self.tol,
                         max_iter=self.max_iter, random_state=self.random_state)

    def _fit_one(self, plan, rows, y, embeddings, kind):
        """Fit featurizer and linear model on the texts `rows` of `plan`; return the fitted parts."""
        fold, features = plan.fit(rows)
        mean = unit = None
        if embeddings is not None:
            mean = embeddings.mean(axis=0)
            unit = _unit_rows(embeddings - mean)
            features = sp.hstack([features, sp.csr_matrix(self.embedding_scale * unit)],
                                 format="csr")
        linear = self._make_linear(kind).fit(features, y)
        coef, intercept = _square_coefficients(linear)
        return {"fold": fold, "featurizer": fold.featurizer, "linear": linear, "coef": coef,
                "intercept": intercept, "mean": mean, "unit": unit}

    def fit(self, X, y, progress=None, embedding_store=None):
        """Fit on texts `X` and labels `y`, then calibrate on out-of-fold scores.

        Parameters
        ----------
        X : list of str
        y : array-like of str
        progress : callable, optional
            ``progress(stage, done, total)``, called after each fold and the final fit.
        embedding_store : bot.embedding_store.EmbeddingStore, optional
            Embeddings saved by an earlier training run; only the texts it
            does not hold are embedded (ignored without an encoder).

        Returns
        -------
        self : FaqClassifier
        """
        # One BLAS thread: the products of training are small, and a second OpenBLAS thread
        # waiting for a core of a busy machine costs more than it brings (docs/bot.md).
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(X, y, progress, embedding_store)

    def _fit(self, X, y, progress, embedding_store):
        X = _texts(X)
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} labels")
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ValueError("need at least two classes")
        kind = self._model_kind(counts)
        encoder = resolve_encoder(self.encoder)
        embeddings = None
        if encoder is not None:
            embeddings = (encoder.encode(X) if embedding_store is None
                          else embedding_store.encode(encoder, X))
        folds = min(int(self.calibration_folds), int(counts.min()))
        total = (folds if folds >= 2 else 0) + 1
        report = progress or (lambda stage, done, total: None)
        # Every fold's featurizer comes from one analysis of the texts (bit for bit what
        # fitting each fold's own featurizer gives, in a fraction of the time).
        template = self.featurizer if self.featurizer is not None else NgramFeaturizer()
        plan = template.fold_plan(X)
        self.oof_decision_function_ = self.oof_coverage_ = self.oof_class_similarity_ = None
        if folds >= 2:
            oof = np.zeros((len(X), len(classes)))
            coverage = np.zeros((len(X), 2))
            similarity = np.zeros((len(X), len(classes))) if encoder is not None else None
            split = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            for done, (train, test) in enumerate(split.split(X, y), start=1):
                part = self._fit_one(plan, train, y[train],
                                     None if embeddings is None else embeddings[train], kind)
                tfidf, coverage[test] = plan.transform(part["fold"], test)
                scores = tfidf @ part["coef"][:, :tfidf.shape[1]].T
                if embeddings is not None:
                    unit = _unit_rows(embeddings[test] - part["mean"])
                    scores += self.embedding_scale * unit @ part["coef"][:, tfidf.shape[1]:].T
                    similarity[test] = _class_max_similarity(
                        unit, part["unit"], np.searchsorted(classes, y[train]), len(classes))
                oof[test] = scores + part["intercept"]
                report("cross-validate", done, total)
            self.oof_decision_function_, self.oof_coverage_ = oof, coverage
            self.oof_class_similarity_ = similarity
        part = self._fit_one(plan, np.arange(len(X)), y, embeddings, kind)
        self.encoder_ = encoder
        self.linear_ = part["linear"]
        self.classes_ = classes
        self._set_state(part["featurizer"], part["coef"], part["intercept"], part["mean"],
                        part["unit"], np.searchsorted(classes, y))
        if self.oof_decision_function_ is not None:
            self.temperature_ = fit_temperature(self.oof_decision_function_, y, self.classes_)
        else:
            self.temperature_ = fit_temperature(self.decision_function(X), y, self.classes_)
        report("fit", total, total)
        return self

    def calibrate(self, X, y):
        """Refit the softmax temperature on held-out texts `X` with labels `y`; return self."""
        check_is_fitted(self, "linear_")
        self.temperature_ = fit_temperature(self.decision_function(X), np.asarray(y),
                                            self.classes_)
        return self

    def _set_state(self, featurizer, coef, intercept, mean, unit, neighbour_classes):
        """Keep what prediction needs, laid out for the single-message path."""
        self._featurizer = featurizer
        n_tfidf = featurizer.n_features_out_
        coef = np.asarray(coef, dtype=np.float64)
        self._coef_by_feature = np.ascontiguousarray(coef[:, :n_tfidf].T)
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self._embedding_coef = None
        self._mean = None
        if mean is not None:
            # The scale is folded into the coefficients: scores = tfidf·W + unit·(s·V) + b.
            self._embedding_coef = np.ascontiguousarray(
                self.embedding_scale * coef[:, n_tfidf:].T)
            self._mean = np.asarray(mean, dtype=np.float64)
            order = np.argsort(neighbour_classes, kind="stable")
            self._neighbours = np.ascontiguousarray(unit[order], dtype=np.float32)
            bounds = np.searchsorted(neighbour_classes[order], np.arange(len(self.classes_) + 1))
            self._neighbour_bounds = bounds
            self._neighbour_classes = np.asarray(neighbour_classes, dtype=np.int64)

    # --- prediction ---------------------------------------------------------

    @property
    def featurizer_(self):
        """The fitted `NgramFeaturizer`."""
        check_is_fitted(self, "linear_")
        return self._featurizer

    @property
    def uses_encoder(self):
        """True when the fitted model includes sentence embeddings."""
        return getattr(self, "_mean", None) is not None

    def embed(self, X):
        """Return the centred, L2-normalised embeddings of `X` (n, dim), or None without encoder."""
        check_is_fitted(self, "linear_")
        if not self.uses_encoder:
            return None
        return _unit_rows(self.encoder_.encode(_texts(X)).astype(np.float64) - self._mean)

    def _embed_one(self, text):
        vector = self.encoder_.encode_one(text).astype(np.float64) - self._mean
        norm = math.sqrt(float(vector @ vector))
        return vector / norm if norm > 0 else vector

    def decision_function(self, X):
        """Return the linear scores, shape (n_texts, n_classes)."""
        check_is_fitted(self, "linear_")
        X = _texts(X)
        scores = self._featurizer.transform(X) @ self._coef_by_feature + self._intercept
        if self.uses_encoder:
            scores += self.embed(X) @ self._embedding_coef
        return np.asarray(scores)

    def predict_proba(self, X):
        """Return calibrated class probabilities, shape (n_texts, n_classes)."""
        return softmax(self.decision_function(X), self.temperature_)

    def predict(self, X):
        """Return the most likely class of each text."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def coverage(self, X):
        """Return the vocabulary coverage (word block, char block) of each text."""
        check_is_fitted(self, "linear_")
        return self._featurizer.coverage(_texts(X))

    def class_similarity(self, X):
        """Cosine similarity of each text to the nearest training example of each class.

        Returns an array of shape (n_texts, n_classes), or None without an encoder.
        """
        unit = self.embed(X)
        if unit is None:
            return None
        return _class_max_similarity(unit, self._neighbours,
                                     np.sort(self._neighbour_classes), len(self.classes_))

    def similarity_one(self, unit, class_index):
        """Cosine similarity of an embedding from `analyze_one` to class `class_index`'s nearest example."""
        lo, hi = self._neighbour_bounds[class_index], self._neighbour_bounds[class_index + 1]
        if hi <= lo:
            return 0.0
        return float((self._neighbours[lo:hi] @ unit.astype(np.float32)).max())

    def analyze_one(self, text):
        """Return ``(scores, coverage, unit_embedding or None)`` of one text: the fast path.

        Equal (to rounding) to the batch methods, at a fraction of the cost.
        """
        try:
            featurizer, coef = self._featurizer, self._coef_by_feature
        except AttributeError:
            raise NotFittedError("FaqClassifier is not fitted yet; call fit first") from None
        idx, val, coverage = featurizer.vectorize_one(text)
        scores = val @ coef[idx] + self._intercept if len(idx) else self._intercept.copy()
        unit = None
        if self._mean is not None:
            unit = self._embed_one(text)
            scores += unit @ self._embedding_coef
        return scores, coverage, unit

    def scores_one(self, text):
        """Return ``(scores, coverage)`` of one text (see `analyze_one`)."""
        scores, coverage, _ = self.analyze_one(text)
        return scores, coverage

    # --- persistence: plain arrays, no pickle -------------------------------

    def to_arrays(self):
        """Return ``(params, arrays, vocabulary)``: the fitted state as JSON and numpy arrays."""
        check_is_fitted(self, "linear_")
        feature_params, feature_arrays, grams = self._featurizer.to_arrays()
        params = {k: v for k, v in self.get_params(deep=False).items()
                  if k not in ("featurizer", "encoder")}
        params.update(featurizer=feature_params, temperature=float(self.temperature_),
                      classes=[str(c) for c in self.classes_],
                      encoder=describe(self.encoder_ if self.uses_encoder else None))
        coef = self._coef_by_feature.T
        arrays = {"idf": feature_arrays["idf"], "coef": coef, "intercept": self._intercept}
        if self.uses_encoder:
            arrays.update(embedding_coef=self._embedding_coef / self.embedding_scale,
                          embedding_mean=self._mean,
                          neighbours=self._neighbours,
                          neighbour_classes=np.sort(self._neighbour_classes))
        return params, arrays, grams

    @classmethod
    def from_arrays(cls, params, arrays, grams):
        """Rebuild a fitted classifier from what `to_arrays` returned.

        Raises `bot.encoder.EncoderUnavailable` when the model was trained
        with an encoder that is not installed, and ValueError when the
        installed version differs from the one it was trained with.
        """
        params = dict(params)
        featurizer = NgramFeaturizer.from_arrays(params.pop("featurizer"), arrays, grams)
        temperature = params.pop("temperature")
        classes = np.asarray(params.pop("classes"))
        recorded = params.pop("encoder", None)
        encoder = None
        if recorded is not None:
            encoder = resolve_encoder(recorded["name"])
            if encoder.version != recorded["version"]:
                raise ValueError(f"model was trained with encoder {recorded['name']} "
                                 f"{recorded['version']}, installed is {encoder.version}")
        self = cls(featurizer=clone(featurizer), encoder=recorded["name"] if recorded else "none",
                   **params)
        coef = np.asarray(arrays["coef"], dtype=np.float64)
        if coef.shape != (len(classes), featurizer.n_features_out_):
            raise ValueError("coefficient shape does not match classes and vocabulary")
        mean = unit = neighbour_classes = None
        if encoder is not None:
            coef = np.hstack([coef, np.asarray(arrays["embedding_coef"]).T])
            mean = np.asarray(arrays["embedding_mean"], dtype=np.float64)
            unit = np.asarray(arrays["neighbours"], dtype=np.float32)
            neighbour_classes = np.asarray(arrays["neighbour_classes"], dtype=np.int64)
        self.encoder_ = encoder
        self.linear_ = self._make_linear("svm")
        self.classes_ = classes
        self.temperature_ = float(temperature)
        self.oof_decision_function_ = self.oof_coverage_ = self.oof_class_similarity_ = None
        self._set_state(featurizer, coef, np.asarray(arrays["intercept"]), mean, unit,
                        neighbour_classes if neighbour_classes is not None else np.zeros(0, int))
        return self


def _square_coefficients(linear):
    """``(coef, intercept)`` with one row per class (binary models have one row)."""
    coef = np.asarray(linear.coef_, dtype=np.float64)
    intercept = np.atleast_1d(np.asarray(linear.intercept_, dtype=np.float64))
    if coef.shape[0] == 1 and len(linear.classes_) == 2:
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-1, 1]) * intercept / 2
    return coef, intercept


def _class_max_similarity(unit, neighbours, neighbour_classes, n_classes, chunk=512):
    """For each row of `unit`, the largest cosine to a row of `neighbours` per class."""
    order = np.argsort(neighbour_classes, kind="stable")
    neighbours = np.asarray(neighbours, dtype=np.float32)[order]
    sorted_classes = np.asarray(neighbour_classes)[order]
    present = np.unique(sorted_classes)
    starts = np.searchsorted(sorted_classes, present)
    out = np.zeros((len(unit), n_classes))
    for lo in range(0, len(unit), chunk):
        block = np.asarray(unit[lo:lo + chunk], dtype=np.float32) @ neighbours.T
        out[lo:lo + chunk, present] = np.maximum.reduceat(block, starts, axis=1)
    return out


def fit_temperature(scores, y, classes):
    """Return the softmax temperature that minimises the log-loss of `scores` for labels `y`.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_classes)
    y : ndarray of shape (n_samples,)
    classes : ndarray of shape (n_classes,)
        Sorted class labels, the column order of `scores`.

    Returns
    -------
    float
    """
    target = np.searchsorted(classes, y)
    rows = np.arange(len(y))
    shifted = scores - scores.max(axis=1, keepdims=True)

    def log_loss(log_t):
        z = shifted / math.exp(log_t)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, target]))

    best = minimize_scalar(log_loss, bounds=(math.log(1e-3), math.log(10.0)), method="bounded")
    return float(math.exp(best.x))


def _texts(X):
    if isinstance(X, str):
        raise ValueError("expected a list of texts, got a single string")
    return [str(text) for text in X]
