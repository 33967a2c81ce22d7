"""Run in a subprocess by test_concurrency.py: first messages racing a cold bot load.

Usage: python bot_load_probe.py MODE INSTANCE_DIR MODEL_DIR.  Four green threads ask
for the bot at once through run_blocking while it is not loaded yet, as the first
visitors of a fresh server do; prints "bots=N" with N the calls that got it.
"""
import sys

from kefu.patching import patch

mode, instance, model_dir = sys.argv[1:4]
patch(mode)

import os  # noqa: E402

os.environ["KEFU_ASYNC_MODE"] = mode

from kefu import create_app  # noqa: E402
from kefu.concurrency import run_blocking  # noqa: E402
from kefu.services.bot_bridge import current_bot  # noqa: E402

app = create_app({"SECRET_KEY": "probe", "MODEL_DIR": model_dir}, instance_path=instance)
got = []


def first_message():
    with app.app_context():
        got.append(run_blocking(current_bot) is not None)


if mode == "eventlet":
    import eventlet

    tasks = [eventlet.spawn(first_message) for _ in range(4)]
    for task in tasks:
        task.wait()
else:
    import gevent

    tasks = [gevent.spawn(first_message) for _ in range(4)]
    gevent.joinall(tasks, timeout=60)
print(f"bots={sum(got)}")
