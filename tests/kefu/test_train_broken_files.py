"""``bot train`` and ``kefu train`` on broken intent files: the ``bot validate`` list, exit 1.

Run as real subprocesses, the way an editor runs them, so a traceback would show.
"""
import os
import subprocess
import sys

from kefu.config import PROJECT_ROOT
from tests.conftest import copy_intents

BROKEN = "intents:\n  - id: Gift-Cards\n    title: {en: Gift cards}\n    answer: {en: yes}\n"


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})})


def broken_intents(tmp_path):
    intents = copy_intents(tmp_path / "intents")
    (intents / "gifts.yaml").write_text(BROKEN, encoding="utf-8")
    return intents


def test_bot_train_prints_the_validate_problems_and_exits_1(tmp_path):
    intents = broken_intents(tmp_path)
    validate = run("bot", "validate", str(intents))
    train = run("bot", "train", "--intents", str(intents), "--model", str(tmp_path / "model"))
    assert validate.returncode == train.returncode == 1
    assert f"{intents}/gifts.yaml:2: error: bad id \"Gift-Cards\"" in validate.stdout
    assert train.stdout == validate.stdout
    assert "Traceback" not in train.stderr and "Traceback" not in train.stdout
    assert not (tmp_path / "model" / "model.npz").exists()


def test_kefu_train_prints_the_validate_problems_and_exits_1(tmp_path):
    intents = broken_intents(tmp_path)
    validate = run("bot", "validate", str(intents))
    env = {"KEFU_INSTANCE_PATH": str(tmp_path / "instance"), "KEFU_SECRET_KEY": "test",
           "KEFU_INTENTS_DIR": str(intents), "KEFU_MODEL_DIR": str(tmp_path / "model")}
    train = run("kefu", "train", env=env)
    assert train.returncode == 1, train.stdout + train.stderr
    assert validate.stdout in train.stdout
    assert "Traceback" not in train.stderr and "Not trained" in train.stderr
