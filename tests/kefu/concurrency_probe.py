"""Run in a subprocess by test_concurrency.py: many green threads writing through run_blocking.

Usage: python concurrency_probe.py MODE INSTANCE_DIR.  Prints "rows=N ticks=M": N rows
written, M times a separate green thread got to run while the writes were going on
(M > 0 shows the event loop was not blocked by the database).
"""
import sys

from kefu.patching import patch

mode, instance = sys.argv[1], sys.argv[2]
patch(mode)

import os  # noqa: E402

os.environ["KEFU_ASYNC_MODE"] = mode

from kefu import create_app  # noqa: E402
from kefu.cli import upgrade_database  # noqa: E402
from kefu.concurrency import run_blocking  # noqa: E402
from kefu.extensions import db, socketio  # noqa: E402
from kefu.models import Visitor  # noqa: E402

app = create_app({"SECRET_KEY": "probe", "MODEL_DIR": os.path.join(instance, "model")},
                 instance_path=instance)
with app.app_context():
    upgrade_database()

ticks = 0
done = False


def write():
    db.session.add(Visitor(locale="en"))
    db.session.commit()


def ticker():
    global ticks
    while not done:
        ticks += 1
        socketio.sleep(0.001)


def worker():
    with app.app_context():
        for _ in range(10):
            run_blocking(write)


if mode == "eventlet":
    import eventlet

    spawn, join = eventlet.spawn, lambda g: g.wait()
else:
    import gevent

    spawn, join = gevent.spawn, lambda g: g.get()
tick_task = spawn(ticker)
tasks = [spawn(worker) for _ in range(30)]
for task in tasks:
    join(task)
done = True
join(tick_task)
with app.app_context():
    rows = run_blocking(lambda: db.session.query(Visitor).count())
print(f"rows={rows} ticks={ticks}")
