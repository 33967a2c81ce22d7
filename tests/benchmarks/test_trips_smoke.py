"""benchmarks/trips.py still counts: round trips, Redis commands and CPU per message."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "trips.py"

pytestmark = pytest.mark.slow


def test_trips_counts_what_one_message_costs_every_shared_service(tmp_path, trained_model_dir):
    figures_file = tmp_path / "trips.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--visitors", "2", "--seconds", "2", "--idle", "1",
         "--model-dir", str(trained_model_dir), "--json", str(figures_file)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert "| database round trips |" in result.stdout and "| Redis commands |" in result.stdout
    figures = json.loads(figures_file.read_text())
    assert figures["answered"] > 0 and figures["lost"] == 0
    assert figures["queue_subscribers"] == 2  # the idle process hears every emit too
    per = figures["per_message"]
    # every answered message is written (an INSERT and a COMMIT at least) and emitted
    assert per["trips"]["INSERT"] >= 1 and per["trips"]["COMMIT"] >= 1
    assert per["redis"]["publish"] >= 1
    assert set(per["cpu_ms"]) == {"kefu a (serves)", "kefu b (idle)", "postgresql", "redis"}
