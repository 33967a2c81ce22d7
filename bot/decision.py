"""From class probabilities to what the bot does: answer, suggest ("did you mean"), or escalate.

Two numbers decide. The *confidence* is the probability that the top intent is
right, estimated by `ConfidenceModel` from more than the top probability: how
much of the message's vocabulary the model has ever seen, and the probability
of the classifier's off-topic class (trained on ``bot/data/oos.txt``). The
margin to the runner-up was tried too and made out-of-scope detection worse
on both CLINC150 and the demo FAQ, so it is not an input. Off-topic questions ("帮我写一首诗", "asdfgh")
often get a top intent probability no lower than a vaguely worded real
question, but they share few n-grams with the FAQ and resemble other
off-topic text; a logistic model over these signals, fitted on out-of-fold
predictions, tells them apart better than any single cut-off on the top
probability (see ``docs/bot.md`` for the measurements).

The two *thresholds* on that confidence are learned from the same
out-of-fold data by `choose_thresholds`, on confidences cross-fitted so that
the confidence model never saw the messages the thresholds are chosen on:
answer where a right answer's gain outweighs `WRONG_ANSWER_COST` times a
wrong one's cost, suggest the top 3 where the right intent is among them at
least `suggest_hit_rate` of the time, escalate below.
"""
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

__all__ = [
    "Suggestion", "Decision", "Thresholds", "ConfidenceModel", "confidence_features",
    "choose_thresholds", "cross_fitted_confidence", "threshold_curve", "decide_action",
    "FEATURE_NAMES", "EMBEDDING_FEATURES", "WRONG_ANSWER_COST",
]

#: Inputs of the confidence model, in column order.
FEATURE_NAMES = ("top_probability", "word_coverage", "char_coverage", "offtopic_probability")
#: What a wrong answer costs, counted in right answers, when the answer threshold is chosen:
#: the visitor reads something that does not help, and a person must undo it. 3 means the bot
#: answers where a message is right at least 3 times in 4 (docs/bot.md, "Thresholds").
WRONG_ANSWER_COST = 3.0
#: Extra input when the classifier has a sentence encoder: cosine similarity of the
#: message to the nearest training example of the top intent (embedding space).
EMBEDDING_FEATURES = ("top_intent_similarity",)


@dataclass(frozen=True)
class Suggestion:
    """One "did you mean" option: an intent, its title in the reply language, its probability."""

    intent: str
    title: str
    confidence: float


@dataclass(frozen=True)
class Decision:
    """What the bot does with one visitor message.

    `action` is ``"answer"``, ``"suggest"`` or ``"escalate"``; `reason` is set
    only for escalations (``"low_confidence"``, ``"handoff_intent"`` or
    ``"repeated_miss"``). `text` is Markdown for an answer, the "did you
    mean" prompt for a suggestion and empty for an escalation.

    The remaining fields are the verdict behind the action, for a conversation
    policy that decides the turn itself: `ranked` the top 3 intents (always, as
    `Suggestion`), `offtopic` the probability that the message is off-topic,
    `handoff` whether the top intent is a handoff intent, and the signals of
    `bot.signals`: `small_talk` (an acknowledgement such as "好的" or "ok"),
    `angry`, `asks_for_person`.
    """

    action: str
    intent: str | None
    confidence: float
    language: str
    text: str = ""
    suggestions: tuple = ()
    quick_replies: tuple = ()
    links: tuple = ()
    reason: str | None = None
    ranked: tuple = ()
    offtopic: float = 0.0
    handoff: bool = False
    small_talk: bool = False
    angry: bool = False
    asks_for_person: bool = False

    def to_dict(self) -> dict:
        """Return a JSON-safe dict (tuples become lists, numbers plain floats)."""
        data = asdict(self)
        data["confidence"] = float(self.confidence)
        data["suggestions"] = [
            {"intent": s.intent, "title": s.title, "confidence": float(s.confidence)}
            for s in self.suggestions
        ]
        data["ranked"] = [
            {"intent": s.intent, "title": s.title, "confidence": float(s.confidence)}
            for s in self.ranked
        ]
        data["offtopic"] = float(self.offtopic)
        data["quick_replies"] = list(self.quick_replies)
        data["links"] = [dict(link) for link in self.links]
        return data


@dataclass(frozen=True)
class Thresholds:
    """Confidence cut-offs: answer at or above `answer`, suggest at or above `suggest`."""

    answer: float
    suggest: float

    def __post_init__(self):
        if not 0.0 <= self.suggest <= self.answer <= 1.0:
            raise ValueError(f"need 0 <= suggest <= answer <= 1, got {self}")


def confidence_features(probabilities, coverage, offtopic=None, similarity=None):
    """Return the confidence model's inputs for each row of class probabilities.

    Parameters
    ----------
    probabilities : ndarray of shape (n_samples, n_intents) or (n_intents,)
        Calibrated probabilities of the intents (summing to 1 over intents).
    coverage : ndarray of shape (n_samples, 2) or (2,)
        Share of word and char n-grams found in the vocabulary.
    offtopic : ndarray of shape (n_samples,), optional
        Probability of the classifier's off-topic class; zeros if it has none.
    similarity : ndarray of shape (n_samples,), optional
        Embedding similarity to the nearest example of the top intent; the
        column is added only when given (models with an encoder).

    Returns
    -------
    ndarray of shape (n_samples, len(FEATURE_NAMES))
    """
    p = np.atleast_2d(np.asarray(probabilities, dtype=np.float64))
    coverage = np.atleast_2d(np.asarray(coverage, dtype=np.float64))
    offtopic = np.zeros(len(p)) if offtopic is None else np.ravel(offtopic)
    columns = [p.max(axis=1), coverage, offtopic]
    if similarity is not None:
        columns.append(np.ravel(similarity))
    return np.column_stack(columns)


class ConfidenceModel:
    """Logistic model of "the top intent is right" over `confidence_features`.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation of the logistic regression.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    """

    def __init__(self, *, C=1.0):
        self.C = C

    def fit(self, features, correct, sample_weight=None):
        """Fit on features of held-out predictions and whether each top intent was right.

        Parameters
        ----------
        features : ndarray of shape (n_samples, n_features)
        correct : ndarray of bool, shape (n_samples,)
            False for off-topic texts (any answer to them is wrong).
        sample_weight : ndarray of shape (n_samples,), optional

        Returns
        -------
        self : ConfidenceModel
        """
        correct = np.asarray(correct, dtype=bool)
        if correct.all() or not correct.any():
            # Nothing to separate: fall back to the top probability itself.
            self.coef_ = np.zeros(np.shape(features)[1])
            self.coef_[0], self.intercept_ = 8.0, -4.0
            return self
        model = LogisticRegression(C=self.C, max_iter=1000)
        model.fit(features, correct, sample_weight=sample_weight)
        self.coef_ = model.coef_[0].astype(np.float64)
        self.intercept_ = float(model.intercept_[0])
        return self

    def predict(self, features):
        """Return the probability that the top intent is right, per row."""
        z = np.atleast_2d(features) @ self.coef_ + self.intercept_
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self):
        """Return the fitted state as JSON-safe values."""
        return {"C": self.C, "coef": [float(c) for c in self.coef_],
                "intercept": float(self.intercept_),
                "features": list((FEATURE_NAMES + EMBEDDING_FEATURES)[:len(self.coef_)])}

    @classmethod
    def from_dict(cls, data):
        """Rebuild a fitted model from `to_dict` output."""
        if tuple(data["features"]) not in (FEATURE_NAMES, FEATURE_NAMES + EMBEDDING_FEATURES):
            raise ValueError("confidence features changed")
        self = cls(C=data["C"])
        self.coef_ = np.asarray(data["coef"], dtype=np.float64)
        self.intercept_ = float(data["intercept"])
        return self


def threshold_curve(confidence, correct, weight=None, grid=None):
    """Tabulate what each answer threshold does on held-out data.

    Parameters
    ----------
    confidence : ndarray of shape (n,)
    correct : ndarray of bool, shape (n,)
        The top intent is right (always False for off-topic texts).
    weight : ndarray of shape (n,), optional
    grid : ndarray, optional
        Thresholds to evaluate; default 0.00, 0.01, ..., 1.00.

    Returns
    -------
    list of dict
        One row per threshold: ``threshold``, ``answered`` (share of all
        messages answered), ``containment`` (share answered correctly),
        ``wrong`` (share answered wrongly), ``precision`` (right among answered).
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    weight = np.ones_like(confidence) if weight is None else np.asarray(weight, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    total = weight.sum()
    rows = []
    for t in (np.linspace(0, 1, 101) if grid is None else grid):
        answered = confidence >= t
        right = weight[answered & correct].sum()
        wrong = weight[answered & ~correct].sum()
        rows.append({
            "threshold": float(t), "answered": float((right + wrong) / total),
            "containment": float(right / total), "wrong": float(wrong / total),
            "precision": float(right / (right + wrong)) if right + wrong else 1.0,
        })
    return rows


def choose_thresholds(confidence, correct, in_top3, weight=None, *,
                      wrong_cost=WRONG_ANSWER_COST, suggest_hit_rate=0.5, min_gap=0.05):
    """Learn the answer and suggest thresholds from held-out predictions.

    The answer threshold maximises the (weighted) right answers minus
    `wrong_cost` times the wrong ones, over the answers it lets through. On a
    calibrated confidence this answers when a message is right with
    probability above ``wrong_cost / (1 + wrong_cost)``, but it needs no
    calibration: only the order of the confidences and the held-out truth.
    The suggest threshold is where a weighted logistic fit of "the right
    intent is in the top 3" on the confidence crosses `suggest_hit_rate`:
    below it a "did you mean" list would more often than not miss, so the
    bot escalates instead.

    Parameters
    ----------
    confidence, correct, weight
        As in `threshold_curve`.
    in_top3 : ndarray of bool, shape (n,)
        The right intent is among the top 3 (False for off-topic texts).
    wrong_cost : float, default=WRONG_ANSWER_COST
        What a wrong answer costs, in right answers.
    suggest_hit_rate : float, default=0.5
    min_gap : float, default=0.05
        The suggest band is at least this wide (when the answer threshold allows).

    Returns
    -------
    Thresholds
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    in_top3 = np.asarray(in_top3, dtype=bool)
    weight = np.ones_like(confidence) if weight is None else np.asarray(weight, dtype=np.float64)
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    utility = np.cumsum(weight[order] * np.where(correct[order], 1.0, -wrong_cost))
    # A threshold can only sit at the end of a run of equal confidences.
    ends = np.flatnonzero(np.append(ranked[1:] != ranked[:-1], True))
    best = ends[np.argmax(utility[ends])] if len(ends) else None
    answer = float(ranked[best]) if best is not None and utility[best] > 0 else 1.0
    answer = min(max(answer, 0.05), 0.99)
    if in_top3.all() or not in_top3.any():
        suggest = answer - min_gap
    else:
        fit = LogisticRegression(C=10.0).fit(confidence[:, None], in_top3, sample_weight=weight)
        a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
        logit = np.log(suggest_hit_rate / (1 - suggest_hit_rate))
        suggest = (logit - b) / a if a > 0 else answer - min_gap
    suggest = float(np.clip(min(suggest, answer - min_gap), 0.0, answer))
    return Thresholds(answer=round(answer, 4), suggest=round(suggest, 4))


def cross_fitted_confidence(features, correct, weight=None, *, folds=5, random_state=0):
    """Confidence of each held-out prediction from a `ConfidenceModel` that did not see it.

    The thresholds are chosen on these, so neither the classifier nor the
    confidence model has seen the messages the thresholds are chosen on.
    Falls back to fewer folds, and to an in-sample fit when a class of
    `correct` has fewer than two members.
    """
    features = np.asarray(features, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    weight = np.ones(len(correct)) if weight is None else np.asarray(weight, dtype=np.float64)
    folds = min(folds, int(correct.sum()), int((~correct).sum()))
    if folds < 2:
        return ConfidenceModel().fit(features, correct, weight).predict(features)
    out = np.zeros(len(correct))
    split = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    for train, test in split.split(features, correct):
        model = ConfidenceModel().fit(features[train], correct[train], weight[train])
        out[test] = model.predict(features[test])
    return out


def decide_action(confidence, *, thresholds, handoff=False, consecutive_suggestions=0):
    """Apply the decision rules; return ``(action, reason)``.

    - at or above the answer threshold: answer, unless the intent is a
      ``handoff`` intent, which escalates with reason ``"handoff_intent"``;
    - between the thresholds: suggest, unless the previous bot turn was
      already an untaken suggestion, which escalates with ``"repeated_miss"``;
    - below the suggest threshold: escalate with ``"low_confidence"``.
    """
    if confidence >= thresholds.answer:
        return ("escalate", "handoff_intent") if handoff else ("answer", None)
    if confidence >= thresholds.suggest:
        if consecutive_suggestions >= 1:
            return "escalate", "repeated_miss"
        return "suggest", None
    return "escalate", "low_confidence"
