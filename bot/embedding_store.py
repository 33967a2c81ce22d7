"""Sentence embeddings of the training texts, kept beside the saved model for the next training.

Embedding is the largest single cost of training with the encoder (about
0.6 ms a text on this project's 2-core machine, so 1.4-6.5 s for the demo
FAQ's 2,250 distinct texts, depending on the load), and a retrain after an
edit of one intent sees almost the same texts again. `EmbeddingStore` keeps
the embedding of each normalised text in ``embeddings.npz`` in the model
directory, for one encoder name and version; a training run embeds only the
texts it does not hold and writes back those of the current run (texts
edited away are dropped, so the file does not grow without bound).

The file holds numbers and UTF-8 JSON only, read with ``allow_pickle=False``
like the model. It is a cache: a missing, unreadable or foreign file (another
encoder or version, another shape) is ignored and rewritten, never trusted
over the encoder.
"""
import json
from pathlib import Path

import numpy as np

from bot.persistence import atomic_write
from bot.text import normalize

__all__ = ["EmbeddingStore", "EMBEDDINGS_FILE"]

EMBEDDINGS_FILE = "embeddings.npz"


class EmbeddingStore:
    """Embeddings of normalised texts for one encoder, saved as ``path`` (an npz file).

    Parameters
    ----------
    path : str or os.PathLike
        The file; its directory is created on the first write.

    Attributes
    ----------
    last_hits, last_misses : int
        How many distinct texts the last `encode` found in the file and how
        many it had to embed (for progress reports and tests).
    """

    def __init__(self, path):
        self.path = Path(path)
        self.last_hits = self.last_misses = 0

    @classmethod
    def in_model_dir(cls, model_dir):
        """The store of a model directory (``model_dir/embeddings.npz``)."""
        return cls(Path(model_dir) / EMBEDDINGS_FILE)

    def _read(self, encoder):
        """Return ``{text: row}`` and the vectors saved for `encoder`, or empty ones."""
        try:
            with np.load(self.path, allow_pickle=False) as npz:
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
        missing = [key for key in distinct if key not in saved]
        fresh = (np.asarray(encoder.encode(missing), dtype=np.float32) if missing
                 else np.zeros((0, encoder.dim), dtype=np.float32))
        fresh_row = {key: row for row, key in enumerate(missing)}
        table = np.empty((len(distinct), encoder.dim), dtype=np.float32)
        for row, key in enumerate(distinct):
            table[row] = vectors[saved[key]] if key in saved else fresh[fresh_row[key]]
        self.last_hits, self.last_misses = len(distinct) - len(missing), len(missing)
        if missing or len(saved) != len(distinct):
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
