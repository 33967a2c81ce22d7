"""Fixtures of the bot tests: the demo FAQ bot (trained once per session), small FAQs, held-out data."""
import shutil
from pathlib import Path

import pytest
import yaml

import bot

ROOT = Path(__file__).resolve().parents[2]
INTENTS_DIR = ROOT / "intents"
DATA = Path(__file__).with_name("data")

#: Each held-back set with the bars it must clear.  heldout.yaml carries the issue's bar
#: (>= 90% right intent).  heldout2.yaml was written later, before a round of new
#: examples, with harder wording on purpose; its bars guard against regressions at the
#: level reached when it was added (89.6% right, 3 of 40 off-topic answered).
HELDOUT_SETS = {
    "heldout.yaml": {"accuracy": 0.90, "offtopic_answered": 0.05},
    "heldout2.yaml": {"accuracy": 0.88, "offtopic_answered": 0.10},
}


@pytest.fixture(scope="session")
def demo_bot(trained_model_dir):
    """The demo FAQ bot, loaded from the session's trained model (tests/conftest.py)."""
    return bot.load(INTENTS_DIR, trained_model_dir)


@pytest.fixture(scope="session", params=sorted(HELDOUT_SETS))
def heldout(request):
    """A held-back set: questions ``[{text, intent}]``, off-topic texts and its ``bars``.

    Written apart from intents/; never copy its texts into the training examples.
    """
    data = yaml.safe_load((DATA / request.param).read_text(encoding="utf-8"))
    return {**data, "bars": HELDOUT_SETS[request.param]}


@pytest.fixture
def small_faq(tmp_path):
    """A copy of two demo intent files (small, so training takes a moment); returns its directory."""
    directory = tmp_path / "intents"
    directory.mkdir()
    for name in ("smalltalk.yaml", "handoff.yaml"):
        shutil.copy(INTENTS_DIR / name, directory / name)
    return directory
