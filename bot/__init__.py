"""kefu's FAQ bot: intent files, training and prediction, independent of the web app."""

__all__ = []

from bot.decision import Decision, Suggestion, Thresholds  # noqa: E402
from bot.engine import FaqBot, load, load_or_train, train  # noqa: E402
from bot.persistence import StaleModelError, is_stale  # noqa: E402
from bot.text import detect_language  # noqa: E402

__all__ += [
    "Decision", "Suggestion", "Thresholds", "FaqBot", "load", "load_or_train", "train",
    "StaleModelError", "is_stale", "detect_language",
]
