"""Specification of the classifier: sklearn conventions, features for Chinese and English, fast path."""
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from bot.classifier import FaqClassifier
from bot.encoder import USE_NAME, EncoderUnavailable, default_encoder_name, resolve_encoder
from bot.features import NgramFeaturizer, analyze
from bot.intents import load_intents

try:
    HAS_USE = resolve_encoder(USE_NAME) is not None
except EncoderUnavailable:
    HAS_USE = False
INTENTS_DIR = Path(__file__).resolve().parents[2] / "intents"

PROBES = ["我的order到哪了", "where is my ORDER??", "退款什么时候到账", "refnud pls", "asdfgh",
          "", "12345", "订单 KF20240788 发货了吗", "ｗｈｅｒｅ　ｉｓ　ｍｙ　ｏｒｄｅｒ"]


@pytest.fixture(scope="module")
def faq_data():
    texts, labels = load_intents(INTENTS_DIR).training_pairs()
    return texts, np.asarray(labels)


ENCODERS = ["none", pytest.param(USE_NAME, marks=pytest.mark.skipif(
    default_encoder_name() is None and not HAS_USE, reason="encoder extra not installed"))]


@pytest.fixture(scope="module", params=ENCODERS)
def fitted(faq_data, request):
    """The classifier on the demo FAQ, once with TF-IDF only and once with the sentence encoder."""
    return FaqClassifier(encoder=request.param, calibration_folds=3).fit(*faq_data)


def test_init_only_stores_keyword_only_parameters():
    clf = FaqClassifier(C=0.5, calibration_folds=2)
    assert clf.get_params()["C"] == 0.5 and clf.get_params()["calibration_folds"] == 2
    assert not [name for name in vars(clf) if name.endswith("_")]
    with pytest.raises(TypeError):
        FaqClassifier(0.5)
    assert clone(clf).get_params() == clf.get_params()


def test_unfitted_classifier_refuses_to_predict():
    with pytest.raises(NotFittedError):
        FaqClassifier().predict(["hello"])
    with pytest.raises(NotFittedError):
        NgramFeaturizer().transform(["hello"])


def test_fit_returns_self_and_sets_trailing_underscore_attributes(faq_data):
    clf = FaqClassifier(calibration_folds=2)
    assert clf.fit(*faq_data) is clf
    assert set(clf.classes_) == set(faq_data[1])
    assert clf.temperature_ > 0
    assert clf.oof_decision_function_.shape == (len(faq_data[0]), len(clf.classes_))


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(fitted):
    proba = fitted.predict_proba(PROBES)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(fitted.classes_[proba.argmax(axis=1)]) == list(fitted.predict(PROBES))


def test_single_message_fast_path_equals_the_batch_pipeline(fitted):
    batch = fitted.decision_function(PROBES)
    coverage = fitted.coverage(PROBES)
    for text, row, cov in zip(PROBES, batch, coverage):
        scores, fast_cov = fitted.scores_one(text)
        assert np.allclose(scores, row, atol=1e-9 if not fitted.uses_encoder else 1e-6), text
        assert np.argmax(scores) == np.argmax(row), text
        assert np.allclose(fast_cov, cov), text


def test_predicts_the_training_intents_of_plain_questions(fitted):
    assert list(fitted.predict(["怎么退货", "how do i return an item", "转人工"])) == [
        "return_policy", "return_policy", "human_handoff"]


def test_typos_and_full_width_text_reach_the_same_intent(fitted):
    if fitted.uses_encoder:
        pytest.skip("known gap: with the encoder 'refnud' goes to shipping_time (docs/bot.md)")
    assert fitted.predict(["when do i get my refnud"])[0] == "refund_status"
    assert fitted.predict(["how long dose shiping take"])[0] == "shipping_time"
    assert fitted.predict(["ＲＥＦＵＮＤ　ｓｔａｔｕｓ"])[0] == fitted.predict(["refund status"])[0]


def test_chinese_is_read_as_characters_without_a_segmenter():
    words, chars = analyze("退款到账")
    assert words[:4] == ["退", "款", "到", "账"] and "退款" not in words[:4]
    assert "退 款" in words
    assert "退款到" in chars


def test_english_gets_word_bigrams_and_char_ngrams_inside_words():
    words, chars = analyze("Where is my order")
    assert "my order" in words
    assert " ord" in chars and "der " in chars
    assert not any("y o" in gram for gram in chars)


def test_digit_runs_collapse_so_order_numbers_do_not_become_vocabulary():
    assert analyze("order KF20240788")[0] == analyze("order KF99")[0]


def test_every_word_ngram_of_a_training_example_is_in_the_vocabulary(fitted, faq_data):
    coverage = fitted.coverage(faq_data[0][:200])
    assert (coverage[:, 0] == 1.0).all()


def test_coverage_is_low_for_words_the_faq_never_used(fitted):
    (known_words, _), (gibberish_words, _) = fitted.coverage(["how do i return an item",
                                                                "qwertzuiop xyzzy"])
    assert known_words > 0.8 and gibberish_words == 0.0


def test_featurizer_round_trips_through_plain_arrays(fitted):
    featurizer = fitted.featurizer_
    copy = NgramFeaturizer.from_arrays(*featurizer.to_arrays())
    assert (copy.transform(PROBES) != featurizer.transform(PROBES)).nnz == 0


@pytest.mark.parametrize("params", [{}, {"sublinear_tf": False, "word_min_df": 2, "char_min_df": 1}])
def test_fold_plan_fits_each_subset_exactly_as_its_own_featurizer_would(faq_data, params):
    """Cross-validation fits its folds from one analysis (`FoldPlan`); the vocabulary, IDF,
    matrices and coverage must be those of a featurizer fitted on the fold itself."""
    texts = list(faq_data[0]) + PROBES + ["refund refund refund", "退款退款"]
    template = NgramFeaturizer(**params)
    plan = template.fold_plan(texts)
    rng = np.random.default_rng(0)
    for size in (len(texts) // 2, len(texts) - 7, len(texts)):
        train = np.sort(rng.choice(len(texts), size, replace=False))
        held_out = np.setdiff1d(np.arange(len(texts)), train)[::-1] if size < len(texts) else train
        fold, matrix = plan.fit(train)
        own = clone(template)
        expected = own.fit_transform([texts[i] for i in train])
        assert fold.featurizer.vocabularies_ == own.vocabularies_
        assert np.array_equal(fold.featurizer.idf_, own.idf_)
        for got, want in ((matrix, expected),
                          (plan.transform(fold, held_out)[0],
                           own.transform([texts[i] for i in held_out]))):
            assert got.shape == want.shape
            assert np.array_equal(got.indptr, want.indptr)
            assert np.array_equal(got.indices, want.indices)
            assert np.array_equal(got.data, want.data)
        assert np.array_equal(plan.transform(fold, held_out)[1],
                              own.coverage([texts[i] for i in held_out]))
