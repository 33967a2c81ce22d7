"""Sentence embeddings of the training texts, kept beside the saved model for the next training.

Embedding is the largest single cost of training with the encoder (about
0.6 ms a text on this project's 2-core machine, so 1.4-6.5 s for the demo
FAQ's 2,250 distinct texts, depending on the load), and a retrain after an
edit of one intent sees almost the same texts again. `EmbeddingStore` keeps
the embedding of each normalised text in ``embeddings.npz`` in the model
directory, for one encoder name and version; a training run embeds only the
texts it does not hold and writes back those of the current run (texts
edited away are dropped, so the file does not grow without bound).

``KEFU_BOT_EMBEDDINGS_SEED`` may name another such file, read and never written, where a
store looks up the texts its own file lacks before embedding them: each version the
studio trains starts in an empty folder (and ``bot eval`` has none), so without a seed
every one of them embeds the whole FAQ again.  The test suite points it at its session
model's file.

The file holds numbers and UTF-8 JSON only, read with ``allow_pickle=False``
like the model. It is a cache: a missing, unreadable or foreign file (another
encoder or version, another shape) is ignored and rewritten, never trusted
over the encoder.
"""
import json
import os
from pathlib import Path

import numpy as np

from bot.persistence import atomic_write
from bot.text import normalize

__all__ = ["EmbeddingStore", "EMBEDDINGS_FILE", "SEED_ENV_VAR"]

EMBEDDINGS_FILE = "embeddings.npz"
#: Environment variable naming a read-only embeddings file that stores fall back to.
SEED_ENV_VAR = "KEFU_BOT_EMBEDDINGS_SEED"


class EmbeddingStore:
    """Embeddings of normalised texts for one encoder, saved as ``path`` (an npz file).

    Parameters
    ----------
    path : str or os.PathLike or None
        The file; its directory is created on the first write.  None: a store
        that only reads `seed` and writes nothing.
    seed : str or os.PathLike, optional
        Another embeddings file, only read, for the texts `path` lacks.

    Attributes
    ----------
    last_hits, last_misses : int
        How many distinct texts the last `encode` found in the files and how
        many it had to embed (for progress reports and tests).
    """

    def __init__(self, path, seed=None):
        self.path = None if path is None else Path(path)
        self.seed = None if seed is None else Path(seed)
        self.last_hits = self.last_misses = 0

    @classmethod
    def in_model_dir(cls, model_dir):
        """The store of a model directory (``model_dir/embeddings.npz``), seeded from
        ``KEFU_BOT_EMBEDDINGS_SEED`` when it is set."""
        return cls(Path(model_dir) / EMBEDDINGS_FILE, seed=os.environ.get(SEED_ENV_VAR) or None)

    @classmethod
    def seed_only(cls):
        """A store that reads ``KEFU_BOT_EMBEDDINGS_SEED`` and writes nothing, or None
        when it is not set (for a fit without a model directory, ``bot eval``)."""
        seed = os.environ.get(SEED_ENV_VAR) or None
        return None if seed is None else cls(None, seed=seed)

    def _read(self, encoder, path=None):
        """Return ``{text: row}`` and the vectors saved for `encoder`, or empty ones."""
        path = self.path if path is None else path
        if path is None:
            return {}, None
        try:
            with np.load(path, allow_pickle=False) as npz:
                header = json.loads(npz["json_header"].tobytes().decode())
                texts = json.loads(npz["json_texts"].tobytes().decode())
                vectors = npz["vectors"]
        except (OSError, KeyError, ValueError):
            return {}, None
        if (header != _header(encoder) or not isinstance(texts, list)
                or vectors.dtype != np.float32 or vectors.shape != (len(texts), encoder.dim)):
            return {}, None
        return {text: row for row, text in enumerate(texts)}, vectors

    def encode(self, encoder, texts):
        """Return the embeddings of `texts` (n, dim) as ``encoder.encode`` would, embedding
        only the texts the file does not hold, and save those of this call."""
        keys = [normalize(str(text)) for text in texts]
        distinct = list(dict.fromkeys(keys))
        saved, vectors = self._read(encoder)
        lacking = [key for key in distinct if key not in saved]
        seeded, seed_vectors = (self._read(encoder, self.seed) if lacking and self.seed
                                else ({}, None))
        missing = [key for key in lacking if key not in seeded]
        fresh = (np.asarray(encoder.encode(missing), dtype=np.float32) if missing
                 else np.zeros((0, encoder.dim), dtype=np.float32))
        fresh_row = {key: row for row, key in enumerate(missing)}
        table = np.empty((len(distinct), encoder.dim), dtype=np.float32)
        for row, key in enumerate(distinct):
            if key in saved:
                table[row] = vectors[saved[key]]
            elif key in seeded:
                table[row] = seed_vectors[seeded[key]]
            else:
                table[row] = fresh[fresh_row[key]]
        self.last_hits, self.last_misses = len(distinct) - len(missing), len(missing)
        if self.path is not None and (lacking or len(saved) != len(distinct)):
            self._write(encoder, distinct, table)
        position = {key: row for row, key in enumerate(distinct)}
        return table[[position[key] for key in keys]] if keys else table[:0]

    def _write(self, encoder, texts, vectors):
        payload = {
            "vectors": vectors,
            "json_header": _json_bytes(_header(encoder)),
            "json_texts": _json_bytes(texts),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, lambda f: np.savez(f, **payload))


def _header(encoder):
    return {"name": encoder.name, "version": encoder.version, "dim": int(encoder.dim)}


def _json_bytes(value):
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode(), dtype=np.uint8)
