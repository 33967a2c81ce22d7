"""The widget's JavaScript stays within its 30 KB gzip budget (benchmarks/bundle_size.py)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bundle_size.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_built_widget_is_within_its_gzip_budget():
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "within the 30 KB budget" in result.stdout
    assert "| widget.js (loader) |" in result.stdout


def test_the_benchmark_fails_when_the_bundle_is_over_budget():
    result = run("--budget-kb", "1")
    assert result.returncode == 1
    assert "OVER the 1 KB budget" in result.stdout
