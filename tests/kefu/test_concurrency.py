"""Database calls run in real threads under eventlet and gevent, without deadlock."""
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("concurrency_probe.py")


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_concurrent_writers_in_green_threads_all_commit_and_the_loop_keeps_running(
        mode, tmp_path):
    result = subprocess.run([sys.executable, "-W", "ignore", str(PROBE), mode, str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stdout.strip().splitlines()[-1]
    fields = dict(part.split("=") for part in line.split())
    assert int(fields["rows"]) == 300
    assert int(fields["ticks"]) > 0


@pytest.mark.parametrize("mode", ["eventlet", "gevent"])
def test_first_messages_racing_the_bot_load_all_get_the_bot(mode, tmp_path, trained_model_dir):
    """The load lock must work across the pool's OS threads (gevent patches threading)."""
    import shutil

    model = tmp_path / "model"
    shutil.copytree(trained_model_dir, model)
    result = subprocess.run([sys.executable, "-W", "ignore", str(PROBE.with_name(
        "bot_load_probe.py")), mode, str(tmp_path), str(model)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "bots=4"
