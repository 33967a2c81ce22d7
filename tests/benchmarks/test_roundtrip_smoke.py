"""The chat round-trip benchmark still runs: one mode, two visitors, three questions each."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "roundtrip.py"


def test_roundtrip_benchmark_prints_its_figures_and_every_message_is_acked_and_answered(
        tmp_path, trained_model_dir):
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--modes", "eventlet", "--clients", "2", "--messages", "3",
         "--runs", "1", "--model-dir", str(trained_model_dir), "--json", str(figures_file)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    for needle in ("| mode | clients | ack p50 | ack p99 | reply p50 | reply p99 | msg/s |",
                   "| eventlet | 2 |", "bot alone, FaqBot.decide: p50",
                   "messages: sent 6, acked 6, answered 6"):
        assert needle in result.stdout
    figures = json.loads(figures_file.read_text())
    [row] = figures["rows"]
    assert (row["mode"], row["clients"]) == ("eventlet", 2)
    assert row["sent"] == row["acked"] == row["answered"] == 6
    for key in ("ack_p50", "ack_p99", "reply_p50", "reply_p99", "msgs_per_s"):
        assert row[key] > 0
    assert figures["bot_decide_ms"]["p50"] > 0
