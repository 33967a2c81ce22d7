"""The one door between kefu and the classifier in ``bot/``.

``bot`` knows nothing of Flask; this module owns the loaded model, reloads it when a
newer one appears on disk (``kefu train`` in another process, or an editor's retrain)
and swaps the reference atomically, so a running server answers with the new model
without a restart and no request ever sees a half-loaded one.
"""
import os
import time

from flask import current_app

from bot.locks import os_lock


class BotService:
    """Holds the current :class:`bot.FaqBot` and replaces it when the saved model changes."""

    def __init__(self, intents_dir: str, model_dir: str, check_seconds: float = 2.0,
                 instance_path: str | None = None):
        self.intents_dir = intents_dir
        self.model_dir = model_dir
        self.instance_path = instance_path  # where the studio publishes model versions
        self.check_seconds = check_seconds
        self._bot = None
        self._stamp = None
        self._checked_at = 0.0
        self._lock = os_lock()  # taken from the thread pool's OS threads

    def _disk_stamp(self):
        from kefu.services.model_versions import pointer_stamp

        published = pointer_stamp(self.instance_path) if self.instance_path else None
        try:
            return published, os.stat(self.model_dir).st_mtime_ns
        except FileNotFoundError:
            return published, None

    def _load(self):
        """The published studio version (with its own intent files), else ``MODEL_DIR``."""
        import bot
        from kefu.services.model_versions import published_paths

        paths = published_paths(self.instance_path) if self.instance_path else None
        if paths is not None:
            try:
                return bot.load(*paths)
            except bot.StaleModelError:  # made by another scikit-learn: serve the files
                pass
        return bot.load_or_train(self.intents_dir, self.model_dir)

    def get(self):
        """The current bot, loading (or training, if missing or stale) on first use."""
        now = time.monotonic()
        if self._bot is not None and now - self._checked_at < self.check_seconds:
            return self._bot
        with self._lock:
            self._checked_at = time.monotonic()
            stamp = self._disk_stamp()
            if self._bot is None or stamp != self._stamp:
                fresh = self._load()
                self._stamp = self._disk_stamp()
                self._bot = fresh  # one reference swap: readers see old or new, never half
            return self._bot

    def train(self, progress=None):
        """Retrain from the intent files and switch to the new model."""
        import bot

        with self._lock:
            fresh = bot.train(self.intents_dir, self.model_dir, progress=progress)
            self._stamp = self._disk_stamp()
            self._checked_at = time.monotonic()
            self._bot = fresh
            return fresh


def init_app(app):
    """Attach a BotService built from the app's INTENTS_DIR and MODEL_DIR."""
    app.extensions["kefu_bot"] = BotService(
        app.config["INTENTS_DIR"], app.config["MODEL_DIR"],
        app.config["BOT_RELOAD_CHECK_SECONDS"], app.instance_path,
    )


def current_bot():
    """The bot of the current app."""
    return current_app.extensions["kefu_bot"].get()


def message_language(text: str, fallback: str) -> str:
    """The language ``text`` is written in, as the bot detects it (``fallback`` if no letters)."""
    import bot

    return bot.detect_language(text, fallback)
