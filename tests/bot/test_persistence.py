"""Specification of saving and loading: no pickle, atomic files, stale models are retrained."""
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import bot
from bot.embedding_store import EMBEDDINGS_FILE
from bot.persistence import METADATA_FILE, MODEL_FILE, load_model, read_metadata, save_model

INTENTS_DIR = Path(__file__).resolve().parents[2] / "intents"
METADATA_KEYS = {"sklearn_version", "intents_fingerprint", "thresholds", "scores", "trained_at",
                 "n_intents", "n_examples", "format_version"}


@pytest.fixture
def model_dir(tmp_path):
    """Where the test saves its model (beside, not inside, the intents directory)."""
    return tmp_path / "model"


@pytest.fixture(scope="module")
def saved_small_model(tmp_path_factory):
    """A model of the two-file FAQ, trained once for this module: ``(bot, model_dir)``."""
    base = tmp_path_factory.mktemp("small")
    faq = base / "intents"
    faq.mkdir()
    for name in ("smalltalk.yaml", "handoff.yaml"):
        shutil.copy(INTENTS_DIR / name, faq / name)
    return bot.train(faq, base / "model"), base / "model"


@pytest.fixture
def trained(saved_small_model, model_dir):
    """A fresh copy of the saved small model in `model_dir`; returns the bot that was saved."""
    shutil.copytree(saved_small_model[1], model_dir)
    return saved_small_model[0]


def _edit(faq_dir):
    path = faq_dir / "smalltalk.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("      - 你好\n",
                                                             "      - 你好\n      - 你好你好\n"),
                    encoding="utf-8")


def test_saved_model_loads_back_with_identical_predictions(small_faq, model_dir, trained):
    loaded = bot.load(small_faq, model_dir)
    assert loaded.metadata == trained.metadata and loaded.fingerprint == trained.fingerprint
    for text in ["你好", "thanks", "转人工", "what's the weather on mars", "拜拜"]:
        assert loaded.decide(text) == trained.decide(text)
        assert loaded.classify(text) == trained.classify(text)


def test_model_is_stored_as_plain_arrays_and_json_with_its_metadata(model_dir, trained):
    # With the encoder, the training texts' embeddings are kept for the next training.
    expected = [METADATA_FILE, MODEL_FILE]
    expected += [EMBEDDINGS_FILE] if trained.metadata["encoder"] else []
    assert sorted(p.name for p in model_dir.iterdir() if not p.name.startswith(".")) == sorted(
        expected)
    for file_name in set(expected) - {METADATA_FILE}:
        with np.load(model_dir / file_name, allow_pickle=False) as npz:
            assert all(npz[name].dtype != object for name in npz.files)
    metadata = json.loads((model_dir / METADATA_FILE).read_text())
    assert METADATA_KEYS <= set(metadata) and metadata == trained.metadata
    assert set(metadata["thresholds"]) == {"answer", "suggest"}
    assert 0 < metadata["scores"]["cv_accuracy"] <= 1


def test_missing_model_is_stale_and_load_or_train_trains_it(small_faq, model_dir):
    assert bot.is_stale(small_faq, model_dir)
    with pytest.raises(bot.StaleModelError):
        bot.load(small_faq, model_dir)
    fresh = bot.load_or_train(small_faq, model_dir)
    assert not bot.is_stale(small_faq, model_dir)
    assert bot.load_or_train(small_faq, model_dir).fingerprint == fresh.fingerprint


def test_editing_an_intent_file_makes_the_model_stale_and_it_is_retrained(
        small_faq, model_dir, trained):
    old = trained
    assert not bot.is_stale(small_faq, model_dir)
    _edit(small_faq)
    assert bot.is_stale(small_faq, model_dir)
    new = bot.load_or_train(small_faq, model_dir)
    assert new.fingerprint != old.fingerprint
    assert new.metadata["intents_fingerprint"] != old.metadata["intents_fingerprint"]
    assert not bot.is_stale(small_faq, model_dir)


def _resave(model_dir, **changes):
    metadata, arrays, texts = load_model(model_dir)
    save_model(model_dir, {**metadata, **changes}, arrays, texts)


def test_model_saved_by_another_sklearn_version_is_refused_and_retrained(
        small_faq, model_dir, trained):
    old = trained
    _resave(model_dir, sklearn_version="0.0.1")
    assert bot.is_stale(small_faq, model_dir)
    with pytest.raises(bot.StaleModelError, match="sklearn_version"):
        bot.load(small_faq, model_dir)
    new = bot.load_or_train(small_faq, model_dir)
    assert new.fingerprint != old.fingerprint
    assert read_metadata(model_dir)["sklearn_version"] == new.metadata["sklearn_version"] != "0.0.1"


def test_model_of_another_format_version_is_refused(small_faq, model_dir, trained):
    _resave(model_dir, format_version=-1)
    with pytest.raises(bot.StaleModelError, match="format_version"):
        bot.load(small_faq, model_dir)


def test_a_corrupt_model_file_is_refused_and_retrained(small_faq, model_dir, trained):
    (model_dir / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(bot.StaleModelError):
        bot.load(small_faq, model_dir)
    assert bot.load_or_train(small_faq, model_dir).decide("你好").intent == "greeting"


def test_two_simultaneous_starts_train_once_and_share_the_model(small_faq, model_dir):
    results, stages = [], []

    def start():
        results.append(bot.load_or_train(small_faq, model_dir,
                                         progress=lambda stage, done, total: stages.append(stage)))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0].fingerprint == results[1].fingerprint
    assert stages.count("save") == 2  # one training run reports save start and end


def test_training_reports_progress_of_each_stage(small_faq, model_dir):
    calls = []
    bot.train(small_faq, model_dir,
              progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert [c for c in calls if c[0] == "cross-validate"][-1][1:] == (5, 6)
    assert ("fit", 6, 6) in calls and calls[-1] == ("save", 1, 1)
    assert not [p.name for p in model_dir.iterdir() if p.name.endswith(".tmp")]
