"""The encoder's locks work from a gevent server's thread pool.

gevent's ``patch_all`` makes ``threading.Lock`` a lock of one thread's hub; taken by
several of the pool's OS threads at once, a waiter is never woken.  The probe holds the
lock from four pool threads in turn: all four must finish (a green lock leaves one
hanging, which the last case shows, so the probe can tell the two apart).
"""
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("gevent")

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
from gevent import monkey
monkey.patch_all()
import threading, gevent
import bot.encoder
locks = {"cache": lambda: bot.encoder.Encoder()._lock,
         "instances": lambda: bot.encoder._INSTANCES_LOCK,
         "green": threading.Lock}
lock = locks[sys.argv[1]]()
real_sleep = monkey.get_original("time", "sleep")
done = []
def hold():
    with lock:
        real_sleep(0.05)
    done.append(1)
workers = [gevent.get_hub().threadpool.spawn(hold) for _ in range(4)]
gevent.joinall(workers, timeout=5)
print(len(done))
"""


def finished_holders(which):
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", PROBE, which], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("which", ["cache", "instances"])
def test_encoder_locks_serve_every_pool_thread_under_gevent(which):
    assert finished_holders(which) == 4


def test_a_green_lock_would_leave_a_pool_thread_waiting():
    assert finished_holders("green") < 4
