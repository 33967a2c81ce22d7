"""CPU per answered visitor message, in process: the write path without the network.

Live figures (benchmarks/load.py) depend on the CPU share the server gets, which on a
shared machine changes from minute to minute.  The CPU one message costs does not:
this benchmark builds the real app with the app factory (a real SQLite file, migrated,
in a temporary instance; ``threading`` async mode), connects a real Socket.IO test
client to the real ``/visitor`` handler and sends questions the bot answers outright,
one after the other, waiting for each ack.  After a warm-up it times runs of N
messages with ``time.process_time()`` (user + system CPU of the process, not wall
time: another process's load changes it little) and prints each run and the median.

Several source trees can be measured in one sitting: ``--tree A --tree B`` starts one
worker process per tree (that tree first on ``sys.path``) and asks them for a run in
turn, A, B, A, B ..., so a change and its baseline meet the same machine load.

Usage::

    python benchmarks/hotpath.py                                   # this tree, 5 x 200
    python benchmarks/hotpath.py --tree /work/main --tree .        # baseline and change
    python benchmarks/hotpath.py --smoke                           # seconds, for the suite
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = Path("tests") / "bot" / "data" / "heldout.yaml"
#: Limits high enough that the benchmark never trips them (the limiter still runs).
NO_LIMITS = {"VISITOR_MESSAGE_RATE_LIMIT": "1000000 per minute",
             "VISITOR_CONNECT_RATE_LIMIT": "1000000 per minute"}


def log(text):
    """Progress goes to stderr; stdout carries only the figures."""
    print(text, file=sys.stderr, flush=True)


# --- the worker: one source tree, one app, runs on request --------------------------------

class Worker:
    """The app of one tree with a connected visitor, sending answered questions."""

    def __init__(self, tree: Path, model_dir: str | None, visitors: int):
        sys.path.insert(0, str(tree))
        import yaml

        from kefu import create_app

        self.tree = tree
        self.tmp = tempfile.TemporaryDirectory(prefix="kefu-hotpath-")
        instance = Path(self.tmp.name) / "instance"
        instance.mkdir()
        model_dir = model_dir or str(Path(self.tmp.name) / "model")
        self.app = create_app({
            "TESTING": True, "SECRET_KEY": "hotpath-benchmark-not-for-production",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'kefu.sqlite'}",
            "MODEL_DIR": model_dir, "INTENTS_DIR": str(tree / "intents"),
            "ASYNC_MODE": "threading", "RATELIMIT_STORAGE_URI": "memory://", **NO_LIMITS,
        }, instance_path=instance)
        with self.app.app_context():
            from kefu.cli import upgrade_database
            from kefu.services.bot_bridge import current_bot

            upgrade_database()
            bot = current_bot()  # loads (or trains) the model before anything is timed
            texts = [q["text"] for q in yaml.safe_load(
                (tree / QUESTIONS).read_text(encoding="utf-8"))["questions"]]
            self.questions = [t for t in texts if _answered_outright(bot.decide(t))]
        from kefu.extensions import socketio

        self.clients = [socketio.test_client(self.app, namespace="/visitor",
                                             auth={"locale": "en"},
                                             flask_test_client=self.app.test_client())
                        for _ in range(visitors)]
        for sio in self.clients:
            sio.get_received("/visitor")
        self.sent = 0

    def send(self, count: int) -> dict:
        """Send ``count`` messages (round robin over the visitors); what came back."""
        acked = answered = 0
        for _ in range(count):
            sio = self.clients[self.sent % len(self.clients)]
            text = self.questions[self.sent % len(self.questions)]
            self.sent += 1
            ack = sio.emit("message", {"client_msg_id": f"b{self.sent}", "text": text},
                           namespace="/visitor", callback=True)
            acked += bool(ack and ack.get("ok"))
            answered += sum(1 for e in sio.get_received("/visitor")
                            if e["name"] == "message" and e["args"].get("sender") == "bot")
        return {"acked": acked, "answered": answered}

    def run(self, count: int) -> dict:
        """One timed run: CPU seconds of this process for ``count`` messages."""
        import gc

        gc.collect()
        before = time.process_time()
        got = self.send(count)
        spent = time.process_time() - before
        return {"cpu_ms_per_msg": spent * 1000 / count, "messages": count, **got}

    def stored(self) -> dict:
        """How the stored lines split by sender and bot action (every turn an answer?)."""
        from sqlalchemy import func, select

        from kefu.extensions import db
        from kefu.models import Message

        with self.app.app_context():
            rows = db.session.execute(select(Message.sender, Message.bot_action,
                                             func.count()).group_by(
                Message.sender, Message.bot_action)).all()
            return {f"{s}:{a}" if a else s: n for s, a, n in rows}


def _answered_outright(decision) -> bool:
    """The policy answers it in state ``bot``: no small talk, handoff or anger."""
    return (decision.action == "answer" and not decision.small_talk
            and not decision.asks_for_person and not decision.angry)


def worker_main(args):
    """Serve run requests on stdin (``run N``, ``stored``, ``quit``), one JSON line each."""
    worker = Worker(Path(args.worker).resolve(), args.model_dir, args.visitors)
    import kefu

    print(json.dumps({"ready": True, "questions": len(worker.questions),
                      "kefu": str(Path(kefu.__file__).parent)}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] == "run":
            result = worker.run(int(command[1]))
        else:
            result = worker.stored()
        print(json.dumps(result), flush=True)


# --- the driver: workers per tree, runs alternated ----------------------------------------

class Tree:
    """A worker process running one source tree."""

    def __init__(self, path: Path, args):
        self.path = path
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path),
                   "--visitors", str(args.visitors)]
        if args.model_dir:
            command += ["--model-dir", args.model_dir]
        # The tree's own directory first, so ``kefu`` and ``bot`` are the tree's.
        env = {**os.environ, "PYTHONPATH": str(path)}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env, cwd=str(path))
        self.ready = self.read()
        self.runs = []

    def read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker of {self.path} died (see its stderr)")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.read()

    def close(self):
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        except BrokenPipeError:
            pass
        self.process.wait(60)


def machine_load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", type=Path,
                        help="a source tree to measure (repeat to alternate; default: this one)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=200, help="messages per run")
    parser.add_argument("--warmup", type=int, default=100, help="messages before the first run")
    parser.add_argument("--visitors", type=int, default=1,
                        help="visitors the messages go round (one conversation each)")
    parser.add_argument("--model-dir", help="a trained model to share (default: each worker "
                                            "trains its tree's own in a temporary directory)")
    parser.add_argument("--smoke", action="store_true", help="2 runs of 10, for the test suite")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)
    if args.smoke:
        args.runs, args.messages, args.warmup = 2, 10, 5
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    log(f"load average before: {machine_load()}")
    workers = [Tree(t, args) for t in trees]
    try:
        for w in workers:
            log(f"{w.path} (kefu from {w.ready['kefu']}): {w.ready['questions']} questions "
                f"the bot answers outright; warming up with {args.warmup}")
            w.ask(f"run {args.warmup}")
        for run in range(args.runs):
            for w in workers:
                result = w.ask(f"run {args.messages}")
                w.runs.append(result)
                log(f"run {run + 1} {w.path}: {result['cpu_ms_per_msg']:.2f} ms/msg")
        stored = [w.ask("stored") for w in workers]
    finally:
        for w in workers:
            w.close()
    load_after = machine_load()
    print(f"CPU per answered message (process_time), {args.runs} runs x {args.messages} "
          f"messages after {args.warmup} warm-up, {args.visitors} visitor(s); "
          f"load average after: {load_after}")
    print("| tree | ms per message, per run | median | acked | answered |")
    print("|---|---|---|---|---|")
    figures = []
    for w, lines in zip(workers, stored):
        values = [r["cpu_ms_per_msg"] for r in w.runs]
        median = statistics.median(values)
        acked, answered = sum(r["acked"] for r in w.runs), sum(r["answered"] for r in w.runs)
        print(f"| {w.path} | {' / '.join(f'{v:.2f}' for v in values)} | **{median:.2f}** "
              f"| {acked} | {answered} |")
        figures.append({"tree": str(w.path), "runs": values, "median": median,
                        "acked": acked, "answered": answered, "stored": lines})
    if len(figures) > 1:
        base = figures[0]["median"]
        for f in figures[1:]:
            print(f"{f['tree']} / {figures[0]['tree']}: {f['median'] / base:.2f}x")
    for f in figures:
        print(f"stored lines, {f['tree']}: {json.dumps(f['stored'], sort_keys=True)}")
    if args.json:
        args.json.write_text(json.dumps({"load_after": load_after, "trees": figures}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
