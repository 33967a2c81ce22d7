"""Save and load a trained bot as numpy arrays and JSON: no pickle, nothing executed on load.

A model directory holds two files:

- ``model.npz``: the vocabulary, IDF weights, SVM coefficients and intercepts,
  and the metadata as JSON, all as plain arrays (loaded with
  ``allow_pickle=False``);
- ``metadata.json``: a copy of the metadata, so `is_stale` can decide without
  opening the model.

With a sentence encoder, training also leaves ``embeddings.npz`` there
(`bot.embedding_store`): the training texts' embeddings, a cache for the next
training run that loading never reads.

Each file is written to a temporary name in the same directory and moved into
place with `os.replace`, model first, so a reader sees the old model or the new
one, never a mix; the loader trusts only the metadata inside ``model.npz``.
A model saved by another scikit-learn version, another format version, or from
other intent files is refused with `StaleModelError`; callers retrain.
"""
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import sklearn

from bot.encoder import expected_description
from bot.intents import fingerprint_dir

__all__ = [
    "FORMAT_VERSION", "MODEL_FILE", "METADATA_FILE", "StaleModelError",
    "save_model", "load_model", "read_metadata", "is_stale", "negatives_fingerprint",
    "atomic_write",
]

#: Bump when the saved layout or the meaning of a saved array changes.
FORMAT_VERSION = 3
MODEL_FILE = "model.npz"
METADATA_FILE = "metadata.json"
NEGATIVES_FILE = Path(__file__).with_name("data") / "oos.txt"


class StaleModelError(Exception):
    """The saved model is missing, unreadable, or does not match this code or these intents."""


def negatives_fingerprint() -> str:
    """Hash of the built-in off-topic sentences, which shape the thresholds."""
    return hashlib.sha256(NEGATIVES_FILE.read_bytes()).hexdigest()


def save_model(model_dir, metadata: dict, arrays: dict, texts: dict) -> None:
    """Write a model atomically.

    Parameters
    ----------
    model_dir : str or os.PathLike
        Created if missing.
    metadata : dict
        JSON-safe; saved inside the model and as ``metadata.json``.
    arrays : dict of str to ndarray
        Numeric arrays (no object dtype).
    texts : dict of str to JSON-safe value
        Stored as UTF-8 JSON bytes inside the npz (e.g. the vocabulary).
    """
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    for name, value in {**texts, "metadata": metadata}.items():
        payload[f"json_{name}"] = np.frombuffer(
            json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)
    atomic_write(model_dir / MODEL_FILE, lambda f: np.savez_compressed(f, **payload))
    data = json.dumps(metadata, ensure_ascii=False, indent=2).encode()
    atomic_write(model_dir / METADATA_FILE, lambda f: f.write(data))


def atomic_write(path: Path, write) -> None:
    """Write `path` through ``write(file)`` on a temporary name, then move it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_metadata(model_dir) -> dict | None:
    """Return the saved ``metadata.json``, or None if it is missing or unreadable."""
    try:
        return json.loads((Path(model_dir) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_metadata(metadata: dict | None, intents_fingerprint: str | None = None) -> None:
    """Raise `StaleModelError` unless `metadata` matches this code (and these intents)."""
    if not metadata:
        raise StaleModelError("no saved model")
    expected = {
        "format_version": FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "negatives_fingerprint": negatives_fingerprint(),
    }
    if intents_fingerprint is not None:
        expected["intents_fingerprint"] = intents_fingerprint
    for key, value in expected.items():
        if metadata.get(key) != value:
            raise StaleModelError(f"{key} is {metadata.get(key)!r}, expected {value!r}")
    encoder, wanted = metadata.get("encoder"), expected_description()
    if encoder != wanted:
        raise StaleModelError(
            f"model was trained with encoder {_encoder_text(encoder)}, but this installation "
            f"uses {_encoder_text(wanted)}; the model must be retrained")


def _encoder_text(description):
    if not description:
        return "none (TF-IDF only)"
    return f"{description['name']} {description.get('version') or '(package not installed)'}"


def is_stale(intents_dir, model_dir) -> bool:
    """Tell, without loading the model, whether it must be (re)trained.

    True when there is no saved model, or its metadata names another format
    version, scikit-learn version, sentence encoder, off-topic set, or intent files.
    """
    try:
        check_metadata(read_metadata(model_dir), fingerprint_dir(intents_dir))
    except StaleModelError:
        return True
    return False


def load_model(model_dir, intents_fingerprint: str | None = None):
    """Read a saved model; return ``(metadata, arrays, texts)``.

    Raises
    ------
    StaleModelError
        If the model is missing or unreadable, or does not match this code or
        `intents_fingerprint`. Nothing is half-loaded: the caller gets all
        arrays or an exception.
    """
    path = Path(model_dir) / MODEL_FILE
    try:
        with np.load(path, allow_pickle=False) as npz:
            contents = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise StaleModelError(f"no saved model in {model_dir}") from None
    except (OSError, ValueError) as error:
        raise StaleModelError(f"unreadable model {path}: {error}") from None
    texts, arrays = {}, {}
    for name, value in contents.items():
        if name.startswith("json_"):
            try:
                texts[name[5:]] = json.loads(value.tobytes().decode())
            except ValueError as error:
                raise StaleModelError(f"corrupt {name} in {path}: {error}") from None
        else:
            arrays[name] = value
    metadata = texts.pop("metadata", None)
    check_metadata(metadata, intents_fingerprint)
    return metadata, arrays, texts
