"""kefu's FAQ bot: intent files, training and prediction, independent of the web app.

The names below are imported on first use (PEP 562): ``bot.text`` and ``bot.locks`` are
imported by every kefu process, and importing scikit-learn with them cost each
``kefu create-user`` or a server's start 1-4 s before it needed a model, if ever.
"""
import importlib

#: Public name -> the module that defines it.
_EXPORTS = {
    "Decision": "bot.decision", "Suggestion": "bot.decision", "Thresholds": "bot.decision",
    "FaqBot": "bot.engine", "load": "bot.engine", "load_or_train": "bot.engine",
    "train": "bot.engine",
    "StaleModelError": "bot.persistence", "is_stale": "bot.persistence",
    "detect_language": "bot.text",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    """Import the module behind a public name the first time it is asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
