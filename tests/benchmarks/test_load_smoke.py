"""The throughput benchmark still runs: its smoke mode drives the floor and kefu for seconds."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.nginx import MISSING, nginx_binary

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "load.py"


def test_load_benchmark_smoke_prints_kefu_and_floor_figures_with_no_lost_reply(
        tmp_path, trained_model_dir):
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--model-dir", str(trained_model_dir),
         "--json", str(figures_file)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    for needle in ("| mode | load | server | msg/s | p50 ms | p99 ms | sent | lost | dup | "
                   "refused | server CPU s |",
                   "| eventlet | a: 4 visitors, closed loop | floor |",
                   "| eventlet | a: 4 visitors, closed loop | kefu-sqlite |",
                   "kefu / floor, same mode and load", "| eventlet | a | kefu-sqlite |"):
        assert needle in result.stdout
    assert "[eventlet] load a on floor" in result.stderr  # progress stays off stdout
    rows = json.loads(figures_file.read_text())["rows"]
    assert [(r["mode"], r["load"], r["server"]) for r in rows] == [
        ("eventlet", "a", "floor"), ("eventlet", "a", "kefu-sqlite")]
    for row in rows:
        assert row["connected"] == 4 and row["refused"] == 0
        assert row["sent"] > 0 and row["answered"] == row["sent"] == row["acked"]
        assert row["lost"] == row["duplicated"] == row["unknown_replies"] == 0
        for key in ("msgs_per_s", "p50_ms", "p99_ms", "server_cpu_s", "rss_idle_mb",
                    "rss_connected_mb", "rss_peak_mb"):
            assert row[key] > 0, key
        assert row["p50_ms"] <= row["p99_ms"]
    floor, kefu = rows
    assert floor["rss_peak_mb"] < kefu["rss_peak_mb"]  # kefu holds a database and a model


@pytest.mark.slow
@pytest.mark.skipif(nginx_binary() is None, reason=MISSING)
def test_load_benchmark_drives_two_processes_through_one_nginx(tmp_path, trained_model_dir):
    figures_file = tmp_path / "figures.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--model-dir", str(trained_model_dir),
         "--servers", "kefu-pg2-nginx", "--visitors", "a=8", "--json", str(figures_file)],
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr
    assert "| eventlet | a: 8 visitors, closed loop | kefu-pg2-nginx |" in result.stdout
    assert "nginx, eventlet, load a, kefu-pg2-nginx:" in result.stdout
    [row] = json.loads(figures_file.read_text())["rows"]
    assert row["processes"] == 2 and row["connected"] == 8 and row["refused"] == 0
    assert row["sent"] > 0 and row["answered"] == row["sent"] == row["acked"]
    assert row["lost"] == row["duplicated"] == 0
    assert row["proxy_cpu_s"] > 0 and len(row["process_cpu_s"]) == 2  # through nginx


def test_load_generator_counts_a_missing_answer_as_lost_and_a_second_one_as_duplicated(
        tmp_path):
    from benchmarks import loadgen
    from benchmarks.servers import FloorServer

    floor = FloorServer(tmp_path, "eventlet", ["--drop-every", "5", "--repeat-every", "3"])
    floor.start()
    try:
        spec = {"kind": "closed", "visitors": 2, "period": None, "seconds": 1.0,
                "timeout": 0.5, "urls": [floor.url], "tag": "t", "questions": ["hello"]}
        result = loadgen.run_here(spec)
    finally:
        floor.stop()
    assert result["connected"] == 2 and result["sent"] >= 10
    # The floor numbers messages from one; every 15th is dropped and repeated: answered once.
    sent = result["sent"]
    assert result["lost"] == sent // 5 - sent // 15
    assert result["duplicated"] == sent // 3 - sent // 15
    assert result["answered"] == result["sent"] - result["lost"] == result["acked"] - result["lost"]
    assert len(result["lost_sample"]) == min(5, result["lost"])
