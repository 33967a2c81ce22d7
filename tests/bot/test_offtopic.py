"""Near-miss off-topic questions: shop words about another platform, brand or service.

"How do I cancel a ride I booked on <app>" uses the words of `cancel_order`; only the name
tells that the shop cannot answer it. The bot learns that from the near misses of
``bot/data/oos.txt`` (its off-topic class) and from the *unknown words* input of the
confidence model (`bot.vocabulary`). The sentences below were written for these tests and
are in no training or evaluation file; ``nearmiss_dev.yaml`` is the development set written
beside the fourth round of near misses (other brands than the training sentences).
"""
from pathlib import Path

import numpy as np
import pytest
import yaml

from bot.decision import VOCABULARY_FEATURES
from bot.vocabulary import KnownWords, out_of_fold_unknown, units

DATA = Path(__file__).with_name("data")

#: Held out: other companies' services in the shop's words (none of these names is in oos.txt
#: or the intents, except where a Chinese platform's name is).
NEAR_MISSES = [
    "how do i cancel a ride i booked on bolt",
    "my wish.com package never showed up",
    "what is the refund policy of spirit airlines",
    "how do i reset my roblox password",
    "does overstock.com ship to hawaii",
    "how long is the warranty on a bosch dishwasher",
    "货拉拉的订单怎么取消",
    "在当当买的书怎么换货",
    "携程的积分怎么兑换",
    "滴滴的优惠券怎么用",
    "美团单车怎么退押金",
    "京东到家的配送费是多少",
]
#: The same kinds of question about this shop, which must still be answered.
OWN_QUESTIONS = [
    ("where is my order", "order_status"),
    ("我的订单到哪了", "order_status"),
    ("can i return a sweater i bought here last week", "return_policy"),
    ("退款多久到账", "refund_status"),
]


def test_units_are_latin_words_and_chinese_character_pairs_without_digits():
    assert units("Where is order 12345?") == ["where", "is", "order"]
    assert units("淘宝订单") == ["淘宝", "宝订", "订单"]
    assert units("退 ok") == ["退", "ok"]
    assert units("") == []


def test_only_the_examples_words_are_known():
    known = KnownWords(["where is my order", "订单到哪了"])
    assert known.count("where is my order") == 0
    assert known.count("where is my doordash order") == 1
    assert known.count("饿了么订单到哪了") == 3  # 饿了, 了么, 么订
    assert known.feature("where is my order") == 0.0
    assert known.feature("a b c") == pytest.approx(np.log(4))


def test_out_of_fold_words_come_from_the_other_folds_and_never_from_off_topic_rows():
    texts = ["track my parcel", "track my order", "where is amazon", "amazon prime parcel"]
    known_rows = np.array([True, True, False, False])
    folds = np.array([0, 1, 0, 1])
    unknown = out_of_fold_unknown(texts, known_rows, folds)
    # Row 0 is looked up in row 1 only ("parcel" unknown) and row 1 in row 0 ("order"); the
    # off-topic row 2 has "amazon" but never makes it known: row 3 (fold 1, looked up in
    # row 0) has "amazon" and "prime" unknown, row 2 all three of its words.
    assert unknown == pytest.approx(np.log1p([1, 1, 3, 2]))


def encoder_path(demo_bot):
    if not demo_bot.classifier.uses_encoder:
        pytest.skip("encoder extra not installed: the unknown-words input is the encoder path's")


def test_the_encoder_path_weighs_unknown_words_against_an_answer(demo_bot):
    encoder_path(demo_bot)
    names = demo_bot.confidence_model.features_
    assert VOCABULARY_FEATURES[0] in names
    # More unknown words, less confidence: everything else equal, the learned weight is negative.
    assert demo_bot.confidence_model.coef_[names.index(VOCABULARY_FEATURES[0])] < 0


def test_held_out_near_misses_are_not_answered_and_own_questions_are(demo_bot):
    encoder_path(demo_bot)
    decisions = {text: demo_bot.decide(text) for text in NEAR_MISSES}
    answered = [t for t, d in decisions.items() if d.action == "answer"]
    escalated = [t for t, d in decisions.items() if d.action == "escalate"]
    assert not answered, answered
    assert len(escalated) >= len(NEAR_MISSES) - 2, sorted(set(NEAR_MISSES) - set(escalated))
    for text, intent in OWN_QUESTIONS:
        decision = demo_bot.decide(text)
        assert (decision.action, decision.intent) == ("answer", intent), text


def test_near_miss_development_set(demo_bot):
    """At most 10% of its near misses answered (7.5% when written), and the shop questions that
    name a payment provider, carrier or competitor the shop works with still answered."""
    encoder_path(demo_bot)
    data = yaml.safe_load((DATA / "nearmiss_dev.yaml").read_text(encoding="utf-8"))
    answered = [t for t in data["offtopic"] if demo_bot.decide(t).action == "answer"]
    assert len(answered) <= 0.10 * len(data["offtopic"]), answered
    right = [q["text"] for q in data["questions"]
             if (lambda d: d.action == "answer" and d.intent == q["intent"])(
                 demo_bot.decide(q["text"]))]
    assert len(right) >= 0.9 * len(data["questions"]), sorted(
        {q["text"] for q in data["questions"]} - set(right))


def test_the_tfidf_path_has_no_unknown_words_input():
    """Cross-validation favoured it there too, but the development sets lost 10-15 points of
    in-scope answers (docs/bot.md): the TF-IDF path keeps its four inputs."""
    from bot.classifier import FaqClassifier
    from bot.engine import fit_bot
    from bot.intents import load_intents
    from tests.bot.conftest import INTENTS_DIR

    plain = fit_bot(load_intents(INTENTS_DIR), classifier=FaqClassifier(encoder="none"))
    assert VOCABULARY_FEATURES[0] not in plain.confidence_model.features_
    assert plain.unknown_words(["where is my doordash order"]) is None
    assert plain.decide("怎么退货").action == "answer"
