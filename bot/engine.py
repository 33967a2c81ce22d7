"""The FAQ bot: train from intent files, save, load, and decide what to say to a message.

`train` fits the classifier with cross-validation, fits the confidence model
and the thresholds on the out-of-fold predictions plus the built-in
off-topic sentences (``bot/data/oos.txt``), and saves everything with
`bot.persistence`. `load_or_train` is what a server calls on start: it loads
a saved model that matches the intent files and this scikit-learn version,
and retrains otherwise, under a file lock so two processes starting together
train once.
"""
import fcntl
import hashlib
import json
import math
import time
import zlib
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import sklearn
from threadpoolctl import threadpool_limits

from bot import signals
from bot.classifier import FaqClassifier, softmax
from bot.decision import (
    ConfidenceModel, Decision, Suggestion, Thresholds, choose_thresholds, confidence_features,
    cross_fitted_confidence, decide_action, threshold_curve,
)
from bot.embedding_store import EmbeddingStore
from bot.encoder import EncoderUnavailable, describe
from bot.intents import load_intents
from bot.intent_types import in_language
from bot.persistence import (
    FORMAT_VERSION, NEGATIVES_FILE, StaleModelError, load_model, negatives_fingerprint,
    save_model,
)
from bot.text import LANGUAGES, detect_language

__all__ = ["FaqBot", "train", "load", "load_or_train", "load_negatives", "fit_bot",
           "fit_parts", "held_out_evidence", "split_offtopic", "OFFTOPIC_SHARE", "OFFTOPIC_LABEL"]

#: Share of visitor messages assumed to be off-topic when weighting the
#: built-in off-topic sentences against the FAQ's examples.
OFFTOPIC_SHARE = 0.2
#: Label of the built-in off-topic sentences in the classifier (not a valid intent id).
OFFTOPIC_LABEL = "~offtopic"
LOCK_FILE = ".train.lock"

PROMPTS = {
    "zh": "您是想问以下哪个问题？请点选，或换个说法再问一次。",
    "en": "Did you mean one of these? Tap one, or ask again in other words.",
}


def load_negatives(path=NEGATIVES_FILE) -> list[str]:
    """Return the built-in off-topic sentences (blank lines and ``#`` comments skipped)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def reply_language(locale: str | None) -> str:
    """Map a widget locale such as ``"zh-CN"`` or ``"en_US"`` to a reply language."""
    lang = (locale or "").replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else "en"


class FaqBot:
    """A trained FAQ bot: classifier, confidence model, thresholds and the intents it answers.

    Instances are immutable after construction and safe to share between
    threads; a server swaps in a new instance to switch models.
    """

    def __init__(self, classifier, confidence_model, thresholds, intents, metadata):
        self.classifier = classifier
        self.confidence_model = confidence_model
        self.thresholds = thresholds
        self.intents = intents
        self.metadata = metadata
        self.fingerprint = hashlib.sha256(
            json.dumps(metadata, sort_keys=True).encode()).hexdigest()[:16]
        self._classes = [str(c) for c in classifier.classes_]
        self._conf_coef = [float(c) for c in confidence_model.coef_]
        self._conf_bias = float(confidence_model.intercept_)
        self._inverse_temperature = 1.0 / float(classifier.temperature_)
        offtopic = [i for i, c in enumerate(self._classes) if c == OFFTOPIC_LABEL]
        self._offtopic = offtopic[0] if offtopic else None
        # np.argpartition index that leaves the 3 largest scores (or all, if fewer) at the end;
        # the off-topic column, zeroed, never reaches them.
        self._kth = max(len(self._classes) - 3, 0)

    # --- classification -----------------------------------------------------

    def embed(self, texts):
        """Centred, unit-length sentence embeddings of ``texts`` (n, dim), or None when
        the model has no encoder: the bot's own view of what texts mean, for callers that
        compare questions with each other (the learning inbox groups paraphrases by it)."""
        return self.classifier.embed(list(texts)) if self.classifier.uses_encoder else None

    def classify(self, text: str):
        """Return ``(top3, confidence)``: the three most likely ``(intent, probability)`` and
        the probability that the first is right."""
        top3, confidence, _ = self.analyze(text)
        return top3, confidence

    def analyze(self, text: str):
        """Return ``(top3, confidence, offtopic)``: `classify` plus the probability of the
        off-topic class against the intents (0 without one)."""
        scores, coverage, unit = self.classifier.analyze_one(text)
        z = np.exp((scores - scores.max()) * self._inverse_temperature)
        offtopic = 0.0
        if self._offtopic is not None:
            offtopic = float(z[self._offtopic])
            z[self._offtopic] = 0.0
        total = float(z.sum())
        top = np.argpartition(z, self._kth)[self._kth:] if self._kth > 0 else np.arange(len(z))
        top = top[np.argsort(z[top])[::-1]][:3]
        if self._offtopic is not None and len(top) and top[-1] == self._offtopic:
            top = top[:-1]  # only when the FAQ has fewer than three intents
        probs = [p / total for p in z[top].tolist()]
        features = (probs[0], coverage[0], coverage[1], offtopic / (offtopic + total))
        if unit is not None:
            features += (self.classifier.similarity_one(unit, int(top[0])),)
        logit = self._conf_bias + sum(w * x for w, x in zip(self._conf_coef, features))
        confidence = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
        return ([(self._classes[i], p) for i, p in zip(top.tolist(), probs)], confidence,
                features[3])

    def decide(self, text: str, *, locale: str = "en", consecutive_suggestions: int = 0) -> Decision:
        """Decide how to reply to one visitor message.

        Parameters
        ----------
        text : str
            The message as typed.
        locale : str, default="en"
            The widget's locale, used when the message has no letters to tell
            its language.
        consecutive_suggestions : int, default=0
            How many bot turns in a row just before this one were untaken
            "did you mean" suggestions.

        Returns
        -------
        Decision
        """
        language = detect_language(text, reply_language(locale))
        top3, confidence, offtopic = self.analyze(text)
        intent = self.intents.by_id[top3[0][0]]
        action, reason = decide_action(confidence, thresholds=self.thresholds,
                                       handoff=intent.handoff,
                                       consecutive_suggestions=consecutive_suggestions)
        ranked = tuple(Suggestion(intent_id, self.intent_title(intent_id, language), round(p, 4))
                       for intent_id, p in top3)
        verdict = {"ranked": ranked, "offtopic": round(float(offtopic), 4),
                   "handoff": intent.handoff, "small_talk": signals.is_acknowledgement(text),
                   "angry": signals.is_angry(text),
                   "asks_for_person": signals.asks_for_person(text)}
        if action == "answer":
            return replace(self._answer(intent, confidence, language,
                                        variant=zlib.crc32(text.encode())), **verdict)
        if action == "suggest":
            return Decision("suggest", intent.id, confidence, language, PROMPTS[language],
                            suggestions=ranked, **verdict)
        return Decision("escalate", None if reason == "low_confidence" else intent.id,
                        confidence, language, reason=reason, **verdict)

    def answer_intent(self, intent_id: str, *, locale: str) -> Decision:
        """Answer an intent the visitor picked from a suggestion (`KeyError` if unknown)."""
        intent = self.intents.by_id[intent_id]
        language = reply_language(locale)
        if intent.handoff:
            return Decision("escalate", intent.id, 1.0, language, reason="handoff_intent")
        return self._answer(intent, 1.0, language)

    def _answer(self, intent, confidence, language, variant=0):
        links = tuple({"title": in_language(link.title, language) or link.url, "url": link.url}
                      for link in intent.links)
        quick = tuple(in_language(intent.quick_replies, language) or ())
        return Decision("answer", intent.id, confidence, language,
                        intent.answer(language, variant), quick_replies=quick, links=links)

    def intent_title(self, intent_id: str, lang: str) -> str:
        """Title of an intent in `lang` (falling back to another language, then the id)."""
        return self.intents.by_id[intent_id].title_for(lang)

    # --- persistence --------------------------------------------------------

    def save(self, model_dir) -> None:
        """Save atomically to `model_dir` (see `bot.persistence`)."""
        params, arrays, grams = self.classifier.to_arrays()
        texts = {"classifier": params, "vocabulary": grams,
                 "confidence": self.confidence_model.to_dict(),
                 "thresholds": {"answer": self.thresholds.answer,
                                "suggest": self.thresholds.suggest}}
        save_model(model_dir, self.metadata, arrays, texts)

    @classmethod
    def from_saved(cls, metadata, arrays, texts, intents):
        """Rebuild a bot from what `bot.persistence.load_model` returned."""
        try:
            classifier = FaqClassifier.from_arrays(texts["classifier"], arrays,
                                                   texts["vocabulary"])
            confidence = ConfidenceModel.from_dict(texts["confidence"])
            thresholds = Thresholds(**texts["thresholds"])
        except EncoderUnavailable as error:
            raise StaleModelError(f"saved model needs an encoder that is missing: {error}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise StaleModelError(f"saved model does not fit this code: {error!r}") from None
        unknown = set(map(str, classifier.classes_)) - set(intents.by_id) - {OFFTOPIC_LABEL}
        if unknown:
            raise StaleModelError(f"model knows intents the files do not: {sorted(unknown)}")
        return cls(classifier, confidence, thresholds, intents, metadata)


def fit_bot(intents, *, negatives=None, classifier=None, progress=None,
            embedding_store=None) -> FaqBot:
    """Train a bot on an `IntentSet` (no files written).

    The off-topic sentences are an extra class of the classifier (label
    `OFFTOPIC_LABEL`). It never wins: intents are ranked among themselves,
    and the off-topic probability is one input of the confidence model.

    Parameters
    ----------
    intents : IntentSet
    negatives : list of str, optional
        Off-topic sentences; defaults to `load_negatives()`.
    classifier : FaqClassifier, optional
        Unfitted classifier to use; defaults to ``FaqClassifier()``.
    progress : callable, optional
        ``progress(stage, done, total)``.
    embedding_store : bot.embedding_store.EmbeddingStore, optional
        Sentence embeddings kept from an earlier run (`train` uses the model
        directory's), so only new or edited texts are embedded.

    Returns
    -------
    FaqBot
    """
    started = time.perf_counter()
    clf, confidence_model, thresholds, evidence = fit_parts(
        intents, negatives=negatives, classifier=classifier, progress=progress,
        embedding_store=embedding_store)
    texts, _ = intents.training_pairs()
    scores = summary_scores(evidence["confidence"], evidence, thresholds)
    metadata = {
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "intents_fingerprint": intents.fingerprint,
        "negatives_fingerprint": negatives_fingerprint(),
        "encoder": describe(clf.encoder_ if clf.uses_encoder else None),
        "thresholds": {"answer": thresholds.answer, "suggest": thresholds.suggest},
        "scores": scores,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        "train_seconds": round(time.perf_counter() - started, 3),
        "n_intents": len(intents),
        "n_examples": len(texts),
        "n_offtopic": int(evidence["offtopic"].sum()),
        "temperature": clf.temperature_,
        "confidence_model": confidence_model.to_dict(),
    }
    return FaqBot(clf, confidence_model, thresholds, intents, metadata)


def fit_parts(intents, *, negatives=None, classifier=None, progress=None, embedding_store=None):
    """Fit the classifier, then the confidence model and thresholds on its out-of-fold output.

    Returns ``(classifier, confidence_model, thresholds, evidence)`` where
    `evidence` is what `held_out_evidence` returned, with the held-out
    ``texts``, their ``labels`` and their cross-fitted ``confidence`` (the
    thresholds are chosen on it) added; `bot.evaluate` reports on it.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_parts(intents, negatives, classifier, progress, embedding_store)


def _fit_parts(intents, negatives, classifier, progress, embedding_store):
    # One BLAS thread (docs/bot.md, "Training time"): the matrix products of training are
    # small, and on a busy 2-core machine a second BLAS thread waiting for a core made the
    # confidence stage take 0.4-1 s instead of 0.06 s.
    negatives = load_negatives() if negatives is None else list(negatives)
    texts, labels = intents.training_pairs()
    n_in = len(texts)
    y = np.asarray(labels + [OFFTOPIC_LABEL] * len(negatives))
    clf = FaqClassifier() if classifier is None else classifier
    clf.fit(texts + negatives, y, progress=progress, embedding_store=embedding_store)
    if clf.oof_decision_function_ is None:
        raise ValueError("every intent needs at least 2 examples for cross-validation")
    evidence = held_out_evidence(clf, clf.oof_decision_function_, clf.oof_coverage_, y, n_in,
                                 class_similarity=clf.oof_class_similarity_)
    evidence.update(texts=texts + negatives, labels=y)
    if progress:
        progress("thresholds", 0, 1)
    confidence_model = ConfidenceModel().fit(evidence["features"], evidence["correct"],
                                             evidence["weight"])
    evidence["confidence"] = cross_fitted_confidence(evidence["features"], evidence["correct"],
                                                     evidence["weight"])
    thresholds = choose_thresholds(evidence["confidence"], evidence["correct"],
                                   evidence["in_top3"], evidence["weight"])
    if progress:
        progress("thresholds", 1, 1)
    return clf, confidence_model, thresholds, evidence


def split_offtopic(probabilities, classes):
    """Split class probabilities into intent probabilities (renormalised) and P(off-topic).

    Returns ``(intent_probabilities, offtopic_probability, intent_classes)``.
    """
    probabilities = np.atleast_2d(probabilities)
    keep = np.asarray(classes) != OFFTOPIC_LABEL
    inside = probabilities[:, keep]
    offtopic = probabilities[:, ~keep].sum(axis=1)
    return inside / inside.sum(axis=1, keepdims=True), offtopic, np.asarray(classes)[keep]


def held_out_evidence(clf, scores, coverage, labels, n_in=None, class_similarity=None):
    """Turn held-out scores into the confidence model's training data.

    Parameters
    ----------
    clf : FaqClassifier
        Fitted; gives the classes and the temperature.
    scores : ndarray of shape (n, n_classes)
        Held-out (out-of-fold) decision scores.
    coverage : ndarray of shape (n, 2)
    labels : ndarray of shape (n,)
        True labels; `OFFTOPIC_LABEL` (or any label that is not an intent) marks off-topic rows.
    n_in : int, optional
        Number of in-scope rows, used to weight the off-topic rows to
        `OFFTOPIC_SHARE` of the total; defaults to counting them.
    class_similarity : ndarray of shape (n, n_classes), optional
        Held-out embedding similarity to each class's nearest example
        (`FaqClassifier.oof_class_similarity_`); gives the similarity input.

    Returns
    -------
    dict of ndarray
        ``features``, ``correct``, ``in_top3``, ``weight``, ``offtopic`` (bool),
        ``predicted`` (top intent), ``probability`` (its probability),
        ``ranked`` (top-3 intents).
    """
    probs, p_off, intent_classes = split_offtopic(softmax(scores, clf.temperature_), clf.classes_)
    labels = np.asarray(labels)
    offtopic = ~np.isin(labels, intent_classes)
    n_in = int((~offtopic).sum()) if n_in is None else n_in
    n_out = int(offtopic.sum())
    ranked = intent_classes[np.argsort(-probs, axis=1)[:, :3]]
    correct = ranked[:, 0] == labels
    in_top3 = (ranked == labels[:, None]).any(axis=1)
    weight = np.ones(len(labels))
    if n_out:
        weight[offtopic] = OFFTOPIC_SHARE / (1 - OFFTOPIC_SHARE) * n_in / n_out
    similarity = None
    if class_similarity is not None:
        columns = np.searchsorted(np.asarray(clf.classes_), ranked[:, 0])
        similarity = np.asarray(class_similarity)[np.arange(len(labels)), columns]
    return {
        "features": confidence_features(probs, coverage, p_off, similarity), "correct": correct,
        "in_top3": in_top3, "weight": weight, "offtopic": offtopic, "ranked": ranked,
        "predicted": ranked[:, 0], "probability": probs.max(axis=1),
    }


def summary_scores(confidence, evidence, thresholds) -> dict:
    """Headline figures of a training run, measured on out-of-fold predictions."""
    inscope = ~evidence["offtopic"]
    correct = evidence["correct"]
    answer = confidence >= thresholds.answer
    suggest = ~answer & (confidence >= thresholds.suggest)
    offtopic = evidence["offtopic"]
    curve = threshold_curve(confidence, correct, evidence["weight"], grid=[thresholds.answer])[0]
    scores = {
        "cv_accuracy": float(correct[inscope].mean()),
        "cv_top3_accuracy": float(evidence["in_top3"][inscope].mean()),
        "answered": float(answer[inscope].mean()),
        "answered_correct": float((answer & correct)[inscope].mean()),
        "suggested": float(suggest[inscope].mean()),
        "answer_precision": curve["precision"],
    }
    if offtopic.any():
        scores["offtopic_escalated"] = float((confidence[offtopic] < thresholds.suggest).mean())
        scores["offtopic_answered"] = float(answer[offtopic].mean())
    return {k: round(v, 4) for k, v in scores.items()}


@contextmanager
def _training_lock(model_dir):
    """Hold an exclusive lock on ``model_dir/.train.lock`` (blocks while another process trains)."""
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    with open(model_dir / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _train_and_save(intents_dir, model_dir, progress):
    intents = load_intents(intents_dir)
    bot = fit_bot(intents, progress=progress,
                  embedding_store=EmbeddingStore.in_model_dir(model_dir))
    if progress:
        progress("save", 0, 1)
    bot.save(model_dir)
    if progress:
        progress("save", 1, 1)
    return bot


def train(intents_dir, model_dir, progress=None) -> FaqBot:
    """Train from the intent files, save atomically to `model_dir`, and return the bot.

    Raises `bot.intents.IntentFileError` if the intent files have errors.
    """
    with _training_lock(model_dir):
        return _train_and_save(intents_dir, model_dir, progress)


def load(intents_dir, model_dir) -> FaqBot:
    """Load the saved bot; raise `StaleModelError` if it is missing or does not match."""
    intents = load_intents(intents_dir)
    metadata, arrays, texts = load_model(model_dir, intents.fingerprint)
    return FaqBot.from_saved(metadata, arrays, texts, intents)


def load_or_train(intents_dir, model_dir, progress=None) -> FaqBot:
    """Load the saved bot, or train and save one if it is missing or stale.

    Safe when several processes start at once: training happens under a file
    lock, and a process that waited for the lock loads the model the other
    one just saved instead of training again.
    """
    try:
        return load(intents_dir, model_dir)
    except StaleModelError:
        pass
    with _training_lock(model_dir):
        try:
            return load(intents_dir, model_dir)
        except StaleModelError:
            return _train_and_save(intents_dir, model_dir, progress)
