"""The CPU-per-message benchmark still runs: one tree, two short runs, every message answered."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "hotpath.py"


def test_hotpath_benchmark_prints_cpu_per_message_and_every_message_is_answered(
        tmp_path, trained_model_dir):
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--tree", str(ROOT),
         "--model-dir", str(trained_model_dir), "--json", str(figures_file)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert "| tree | ms per message, per run | median | acked | answered |" in result.stdout
    [tree] = json.loads(figures_file.read_text())["trees"]
    assert tree["tree"] == str(ROOT)
    assert len(tree["runs"]) == 2 and all(v > 0 for v in tree["runs"])
    assert tree["acked"] == tree["answered"] == 20
    # 5 warm-up and 20 timed messages, each stored once with the bot's answer
    assert tree["stored"] == {"visitor": 25, "bot:answer": 25}
