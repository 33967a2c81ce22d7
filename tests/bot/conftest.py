"""Fixtures of the bot tests: the demo FAQ bot (trained once per session), small FAQs, held-out data."""
import shutil
from pathlib import Path

import pytest
import yaml

import bot

ROOT = Path(__file__).resolve().parents[2]
INTENTS_DIR = ROOT / "intents"
HELDOUT = Path(__file__).with_name("data") / "heldout.yaml"


@pytest.fixture(scope="session")
def demo_bot(trained_model_dir):
    """The demo FAQ bot, loaded from the session's trained model (tests/conftest.py)."""
    return bot.load(INTENTS_DIR, trained_model_dir)


@pytest.fixture(scope="session")
def heldout():
    """Held-back questions ``[{text, intent}]`` and off-topic texts, written apart from intents/."""
    return yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))


@pytest.fixture
def small_faq(tmp_path):
    """A copy of two demo intent files (small, so training takes a moment); returns its directory."""
    directory = tmp_path / "intents"
    directory.mkdir()
    for name in ("smalltalk.yaml", "handoff.yaml"):
        shutil.copy(INTENTS_DIR / name, directory / name)
    return directory
