"""Chat round trip: a visitor's question to its ack and to the bot's answer, on a real server.

Starts ``python -m kefu run`` (``tests/live.py``'s :class:`LiveServer`) once per async
mode, connects N concurrent python-socketio visitors over the websocket transport, and
has each ask M questions from ``tests/bot/data/heldout.yaml``, one after the other
(each waits for the previous answer, as a person does). Per message it measures the
time to the ack (the message is committed; kefu acks after the bot's reply is stored
and sent) and to the bot's ``message`` event (``reply_to`` is the question's
``client_msg_id``). Only questions the bot answers outright are asked, so every
message gets exactly one bot reply and no conversation is handed to a person.

The per-visitor message and connection rate limits are lifted on the benchmark
server (the limiter still runs); everything talks to 127.0.0.1 only. The load
generator shares the machine with the server, so its own cost is in the figures.

Usage::

    python benchmarks/roundtrip.py                                  # eventlet and gevent, 1/10/50
    python benchmarks/roundtrip.py --modes gevent --clients 2 --messages 3 --runs 1
    python benchmarks/roundtrip.py --database postgresql --json out.json
"""
import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import socketio
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot  # noqa: E402
from tests.live import LiveServer  # noqa: E402

INTENTS_DIR = ROOT / "intents"
QUESTIONS = ROOT / "tests" / "bot" / "data" / "heldout.yaml"
#: Limits high enough that the benchmark never trips them (docs/protocol.md has the real ones).
NO_LIMITS = {"KEFU_VISITOR_MESSAGE_RATE_LIMIT": "1000000 per minute",
             "KEFU_VISITOR_CONNECT_RATE_LIMIT": "1000000 per minute"}
MESSAGE_TIMEOUT = 30.0  # seconds a visitor waits for one ack and reply before giving up
CLOSE_TIMEOUT = 5.0  # seconds all visitors of a pass get to disconnect cleanly


def log(text):
    """Progress goes to stderr; stdout carries only the figures."""
    print(text, file=sys.stderr, flush=True)


def answered_questions(faq_bot, path=QUESTIONS):
    """The held-back questions (zh and en) that the bot answers outright."""
    questions = [q["text"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]
    return [text for text in questions if faq_bot.decide(text).action == "answer"]


def bot_decision_ms(faq_bot, texts, repeats=20):
    """Time of ``FaqBot.decide`` alone, per question, in ms (after one warm-up pass)."""
    for text in texts:
        faq_bot.decide(text)
    times = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            faq_bot.decide(text)
            times.append((time.perf_counter() - start) * 1000)
    return times


class Visitor:
    """One chat-widget stand-in: a socketio.Client on ``/visitor`` that asks and times."""

    def __init__(self, url, name, locale):
        self.name = name
        self.client = socketio.Client(reconnection=False)
        self.sent = self.acked = self.answered = 0
        self.ack_ms, self.reply_ms = [], []
        self._session = threading.Event()
        self._pending = None  # [client_msg_id, start, ack_done, reply_done, Event]
        self.client.on("session", lambda data: self._session.set(), namespace="/visitor")
        self.client.on("message", self._on_message, namespace="/visitor")
        self.client.connect(url, namespaces=["/visitor"], auth={"locale": locale},
                            transports=["websocket"], wait_timeout=10)
        if not self._session.wait(10):
            raise RuntimeError(f"{name}: no session event")

    def _on_message(self, message):
        pending = self._pending
        if (pending and message.get("reply_to") == pending[0]
                and message.get("sender") == "bot" and not pending[3]):
            pending[3] = True
            self.reply_ms.append((time.perf_counter() - pending[1]) * 1000)
            self.answered += 1
            if pending[2]:
                pending[4].set()

    def _on_ack(self, pending, ack):
        if ack.get("ok"):
            self.ack_ms.append((time.perf_counter() - pending[1]) * 1000)
            self.acked += 1
        pending[2] = True
        if pending[3] or not ack.get("ok"):
            pending[4].set()

    def ask(self, number, text):
        """Send one question and wait for both its ack and the bot's reply."""
        msg_id = f"{self.name}-{number}"
        pending = [msg_id, time.perf_counter(), False, False, threading.Event()]
        self._pending = pending
        self.sent += 1
        self.client.emit("message", {"client_msg_id": msg_id, "text": text},
                         namespace="/visitor", callback=lambda ack: self._on_ack(pending, ack))
        if not pending[4].wait(MESSAGE_TIMEOUT):
            log(f"  {msg_id}: no ack or reply within {MESSAGE_TIMEOUT:.0f} s")

    def close(self):
        """Disconnect (safe to call twice)."""
        with contextlib.suppress(Exception):
            self.client.disconnect()

    def abort(self):
        """Cut the TCP connection under a disconnect that waits for a close frame in vain."""
        with contextlib.suppress(Exception):
            self.client.eio.ws.sock.shutdown(socket.SHUT_RDWR)


def close_all(visitors, timeout=CLOSE_TIMEOUT):
    """Disconnect every visitor at once; cut those whose close handshake hangs.

    The gevent server sometimes never answers the websocket close frame (its log shows
    the frame read as an HTTP request), and websocket-client then waits for it.
    """
    threads = [threading.Thread(target=v.close, daemon=True) for v in visitors]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [v for v, t in zip(visitors, threads) if t.is_alive()]
    for visitor in stuck:
        visitor.abort()
    for thread in threads:
        thread.join(1.0)
    return len(stuck)


def connect_visitors(url, count, tag):
    """Connect ``count`` visitors, a few at a time, alternating zh and en widgets."""
    visitors, errors = [None] * count, []

    def connect(i):
        try:
            visitors[i] = Visitor(url, f"{tag}v{i}", "zh" if i % 2 else "en")
        except Exception as error:  # reported below; the others are closed by the caller
            errors.append(error)

    for first in range(0, count, 10):
        threads = [threading.Thread(target=connect, args=(i,))
                   for i in range(first, min(first + 10, count))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    connected = [v for v in visitors if v is not None]
    if errors or len(connected) != count:
        close_all(connected)
        raise RuntimeError(f"connected {len(connected)} of {count} visitors: {errors[:3]}")
    return connected


def measure(url, clients, messages, questions, tag):
    """N visitors ask M questions each at the same time; return the figures of this pass."""
    visitors = connect_visitors(url, clients, tag)
    try:
        start_line = threading.Barrier(clients + 1)

        def converse(index, visitor):
            start_line.wait(30)
            for j in range(messages):
                visitor.ask(j, questions[(index * messages + j) % len(questions)])

        threads = [threading.Thread(target=converse, args=(i, v)) for i, v in enumerate(visitors)]
        for thread in threads:
            thread.start()
        start_line.wait(30)
        started = time.perf_counter()
        deadline = started + messages * MESSAGE_TIMEOUT + 10
        for thread in threads:
            thread.join(max(0.1, deadline - time.perf_counter()))
        wall = time.perf_counter() - started
    finally:
        cut = close_all(visitors)
        if cut:
            log(f"  {cut} of {clients} visitors: no websocket close from the server, cut")
    ack = [t for v in visitors for t in v.ack_ms]
    reply = [t for v in visitors for t in v.reply_ms]
    return {
        "sent": sum(v.sent for v in visitors), "acked": sum(v.acked for v in visitors),
        "answered": sum(v.answered for v in visitors),
        "ack_p50": percentile(ack, 50), "ack_p99": percentile(ack, 99),
        "reply_p50": percentile(reply, 50), "reply_p99": percentile(reply, 99),
        "msgs_per_s": len(reply) / wall if wall else 0.0, "wall_s": wall,
    }


def percentile(values, q):
    """The q-th percentile in ms (NaN for no values)."""
    return float(np.percentile(values, q)) if values else float("nan")


@contextlib.contextmanager
def database(kind):
    """Yield a function ``mode -> env`` pointing a server at its own database."""
    if kind == "sqlite":
        yield lambda mode: {}
        return
    from tests.pg import PostgresServer

    server = PostgresServer().start()
    log(f"PostgreSQL on port {server.port}")

    def env(mode):
        server.execute(f"CREATE DATABASE bench_{mode}")
        return {"KEFU_DATABASE_URL": server.url(f"bench_{mode}")}

    try:
        yield env
    finally:
        server.stop()


def model_dir_for(path, workdir):
    """A directory holding an up-to-date demo model: reused if it is, trained if not."""
    model_dir = Path(path) if path else Path(workdir) / "model"
    started = time.perf_counter()
    faq_bot = bot.load_or_train(INTENTS_DIR, model_dir)
    log(f"model ready in {model_dir} ({time.perf_counter() - started:.1f} s)")
    return model_dir, faq_bot


def bench_mode(mode, args, model_dir, workdir, db_env, questions):
    """Start one server in ``mode``, warm it up and measure every concurrency level."""
    server = LiveServer(Path(workdir) / f"instance-{mode}", model_dir, async_mode=mode,
                        env={**NO_LIMITS, **db_env(mode)})
    log(f"[{mode}] starting server")
    server.start()
    rows = []
    try:
        measure(server.url, 2, 3, questions, f"{mode}-warm-")  # loads the bot, fills caches
        for clients in args.clients:
            runs = []
            for run in range(args.runs):
                figures = measure(server.url, clients, args.messages, questions,
                                  f"{mode}-{clients}-{run}-")
                log(f"[{mode}] {clients} clients, run {run + 1}/{args.runs}: "
                    f"reply p50 {figures['reply_p50']:.1f} ms, "
                    f"{figures['msgs_per_s']:.0f} msg/s, sent {figures['sent']}, "
                    f"acked {figures['acked']}, answered {figures['answered']}")
                runs.append(figures)
            rows.append({"mode": mode, "clients": clients, "runs": runs, **median_of(runs)})
    finally:
        server.stop()
    return rows


def median_of(runs):
    """Each figure's median over the runs; the message counts are summed."""
    counts = ("sent", "acked", "answered")
    figures = {key: statistics.median(r[key] for r in runs)
               for key in runs[0] if key not in counts}
    return {**figures, **{key: sum(r[key] for r in runs) for key in counts}}


def machine():
    """Where the figures were taken."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d")}


def print_report(rows, decide_ms, args, host):
    """The figures as Markdown tables on stdout."""
    print(f"Chat round trip, {args.database}, {args.messages} messages per visitor, "
          f"median of {args.runs} run(s); {host['cpu']}, {host['cores']} cores, "
          f"Python {host['python']}, load {host['load_average']}, {host['date']}")
    print()
    print("| mode | clients | ack p50 | ack p99 | reply p50 | reply p99 | msg/s | "
          "sent / acked / answered |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['mode']} | {r['clients']} | {r['ack_p50']:.1f} | {r['ack_p99']:.1f} | "
              f"{r['reply_p50']:.1f} | {r['reply_p99']:.1f} | {r['msgs_per_s']:.0f} | "
              f"{r['sent']} / {r['acked']} / {r['answered']} |")
    by_key = {(r["mode"], r["clients"]): r for r in rows}
    if {"eventlet", "gevent"} <= {r["mode"] for r in rows}:
        print()
        print("| clients | eventlet/gevent reply p50 | reply p99 | msg/s |")
        print("|---|---|---|---|")
        for clients in args.clients:
            e, g = by_key[("eventlet", clients)], by_key[("gevent", clients)]
            print(f"| {clients} | {e['reply_p50'] / g['reply_p50']:.2f} | "
                  f"{e['reply_p99'] / g['reply_p99']:.2f} | "
                  f"{e['msgs_per_s'] / g['msgs_per_s']:.2f} |")
    print()
    print(f"bot alone, FaqBot.decide: p50 {percentile(decide_ms, 50):.3f} ms, "
          f"p99 {percentile(decide_ms, 99):.3f} ms ({len(decide_ms)} calls)")
    total = {key: sum(r[key] for r in rows) for key in ("sent", "acked", "answered")}
    print(f"messages: sent {total['sent']}, acked {total['acked']}, "
          f"answered {total['answered']}")


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", default=["eventlet", "gevent"],
                        choices=["eventlet", "gevent"])
    parser.add_argument("--clients", nargs="+", type=int, default=[1, 10, 50])
    parser.add_argument("--messages", type=int, default=20, help="questions per visitor")
    parser.add_argument("--runs", type=int, default=3, help="passes per setting (median)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--model-dir", help="reuse (or train into) this model directory")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if min(args.clients) < 1 or not 1 <= args.messages <= 200 or not 1 <= args.runs <= 10:
        parser.error("clients >= 1, 1 <= messages <= 200, 1 <= runs <= 10")
    return args


def main(argv=None):
    """Run every mode and concurrency level, print the tables, optionally write JSON."""
    args = parse_args(argv)
    host = machine()
    with tempfile.TemporaryDirectory(prefix="kefu-roundtrip-") as workdir:
        model_dir, faq_bot = model_dir_for(args.model_dir, workdir)
        questions = answered_questions(faq_bot)
        decide_ms = bot_decision_ms(faq_bot, questions)
        log(f"{len(questions)} held-back questions the bot answers; "
            f"decide p50 {percentile(decide_ms, 50):.3f} ms")
        rows = []
        with database(args.database) as db_env:
            for mode in args.modes:
                rows += bench_mode(mode, args, model_dir, workdir, db_env, questions)
    print_report(rows, decide_ms, args, host)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"machine": host, "database": args.database, "messages": args.messages,
             "runs": args.runs, "questions": len(questions),
             "bot_decide_ms": {"p50": percentile(decide_ms, 50),
                               "p99": percentile(decide_ms, 99)},
             "rows": rows}, indent=2))
    complete = all(r["sent"] == r["acked"] == r["answered"] for r in rows)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
