"""The CLINC150 benchmark still runs: a 10-intent slice, through its command line."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "clinc150.py"
DATA = next((base / "shared" / "datasets" / "clinc150" / "data_full.json"
             for base in (ROOT.parent, ROOT.parent.parent)
             if (base / "shared" / "datasets" / "clinc150" / "data_full.json").exists()),
            ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json")


@pytest.mark.skipif(not DATA.exists(), reason=f"CLINC150 not found at {DATA}")
def test_clinc150_benchmark_prints_accuracy_oos_latency_and_size_on_a_small_slice(tmp_path):
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--limit-intents", "10", "--runs", "1",
         "--latency-queries", "200", "--json", str(figures_file)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    for needle in ("| BERT (paper) | 96.2 | 52.3 |", "kefu, confidence model, 1.0%", "OOS recall",
                   "training time:", "p50", "p99", "model size:"):
        assert needle in result.stdout
    runs = json.loads(figures_file.read_text())  # one run per encoder, side by side
    assert [figures["encoder"] for figures in runs][0] == "none" and len(runs) == 2
    for figures in runs:
        assert figures["intents"] == 10
        row = figures["rows"]["confidence model, 1.0% in-scope rejection budget"]
        assert row["inscope_accuracy"] > 80 and row["oos_recall"] > 30
        assert figures["p50_ms"] > 0 and figures["model_mb"] > 0  # figures, not a timing test
