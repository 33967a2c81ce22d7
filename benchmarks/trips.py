"""What one answered visitor message costs the shared services: database round trips,
Redis commands, and CPU in every process of a deployment (docs/deploy.md's model).

Starts PostgreSQL (tests/pg.py) and Redis, and two ``kefu run`` processes on them, as a
deployment does.  Every visitor connects to process *a* only, so process *b* shows what
a process pays for messages it does not serve: the Socket.IO message queue sends each
emit of the deployment to every process.

Counting, from outside the processes, so that nothing in kefu is instrumented:

- database round trips: the benchmark database has ``log_statement = 'all'``, and every
  ``statement:`` (simple protocol: BEGIN, COMMIT, ...) and ``execute`` (extended
  protocol: the queries, prepared or not) line of the server log during the window is
  one round trip, counted by its first word;
- Redis commands: ``INFO commandstats`` before and after (PUBLISH, EVALSHA of the
  rate limits, ...);
- CPU: user + system time from /proc of kefu a, kefu b and every PostgreSQL backend
  (children of the postmaster), and Redis's own ``INFO cpu``.

The same counts are taken over an idle window first (the background loops: settings,
revocation and lifecycle checks) and that rate is subtracted.  Figures go to stdout.

Usage::

    python benchmarks/trips.py                      # 10 visitors, closed loop, 10 s
    python benchmarks/trips.py --visitors 4 --seconds 5 --idle 3 --json trips.json
"""
import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from benchmarks import loadgen  # noqa: E402
from benchmarks.roundtrip import answered_questions, log, machine, model_dir_for  # noqa: E402
from benchmarks.servers import NO_LIMITS, cpu_seconds  # noqa: E402
from tests.live import LiveServer, redis_server  # noqa: E402
from tests.pg import PostgresServer  # noqa: E402

ROUND_TRIP = re.compile(r"LOG:  (?:statement|execute [^:]*): +((\w+)[^\n]*)")
#: Statements are told apart by their first characters (the table and the columns).
SHAPE = 72


class Counters:
    """Everything counted at one instant; subtracting two gives a window's figures."""

    def __init__(self, pg_log, r, pids):
        found = list(ROUND_TRIP.finditer(pg_log.read_text(errors="replace")))
        self.trips = Counter(m.group(2).upper() for m in found)
        self.shapes = Counter(m.group(1)[:SHAPE] for m in found)
        self.redis = Counter({name.removeprefix("cmdstat_"): stats["calls"]
                              for name, stats in r.info("commandstats").items()})
        cpu = r.info("cpu")
        self.redis_cpu = cpu["used_cpu_user"] + cpu["used_cpu_sys"]
        self.cpu = {name: sum(cpu_seconds(p) for p in pid_list())
                    for name, pid_list in pids.items()}
        self.at = time.monotonic()

    def minus(self, before):
        """``{"seconds", "trips", "redis", "cpu"}`` between ``before`` and this."""
        return {"seconds": self.at - before.at,
                "trips": dict(self.trips - before.trips),
                "shapes": dict(self.shapes - before.shapes),
                "redis": dict(self.redis - before.redis),
                "cpu": {**{k: v - before.cpu[k] for k, v in self.cpu.items()},
                        "redis": self.redis_cpu - before.redis_cpu}}


def postgres_pids(server):
    """The postmaster and its children (one backend per pooled connection)."""
    master = int((Path(server.data) / "postmaster.pid").read_text().split()[0])

    def pids():
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]
    return pids


def per_message(load, idle, answered):
    """Each count of ``load`` less the idle rate over the same length, per answered message."""
    scale = load["seconds"] / idle["seconds"]

    def net(kind):
        keys = set(load[kind]) | set(idle[kind])
        return {k: (load[kind].get(k, 0) - idle[kind].get(k, 0) * scale) / answered
                for k in sorted(keys)}
    return {"trips": net("trips"), "redis": net("redis"), "shapes": net("shapes"),
            "cpu_ms": {k: v * 1000 for k, v in net("cpu").items()}}


def run(args):
    """Start the deployment, count idle, count under load; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="kefu-trips-") as workdir:
        workdir = Path(workdir)
        model_dir, faq_bot = model_dir_for(args.model_dir, workdir)
        questions = answered_questions(faq_bot)
        postgres = PostgresServer().start()
        servers = []
        try:
            with redis_server() as redis_url:
                postgres.execute("CREATE DATABASE trips")
                postgres.execute("ALTER DATABASE trips SET log_statement = 'all'")
                env = {**NO_LIMITS, "KEFU_DATABASE_URL": postgres.url("trips"),
                       "KEFU_MESSAGE_QUEUE": redis_url, "KEFU_RATELIMIT_STORAGE_URI": redis_url,
                       "KEFU_ASYNC_MODE": args.mode}
                for name in ("a", "b"):
                    servers.append(LiveServer(workdir / f"instance-{name}", model_dir,
                                              async_mode=args.mode, env=env).start())
                a, b = servers
                warm = {"kind": "closed", "visitors": 2, "period": None, "seconds": 2.0,
                        "timeout": 20.0, "urls": [a.url, b.url], "tag": "warm",
                        "questions": questions}
                # The bot's model loads on the first question; and a process subscribes to
                # the queue only once it has had a client (python-socketio initialises its
                # manager on the first connection), as every serving process has.
                loadgen.run_here(warm)
                warm["urls"] = [a.url]
                r = redis.Redis.from_url(redis_url)
                pg_log = Path(postgres.dir) / "log"
                pids = {"kefu a (serves)": lambda: [a.proc.pid],
                        "kefu b (idle)": lambda: [b.proc.pid],
                        "postgresql": postgres_pids(postgres)}
                log(f"idle for {args.idle:g} s")
                start = Counters(pg_log, r, pids)
                time.sleep(args.idle)
                idle = Counters(pg_log, r, pids).minus(start)
                log(f"{args.visitors} visitors on process a, closed loop, {args.seconds:g} s")
                before = Counters(pg_log, r, pids)
                result = loadgen.run_here({**warm, "visitors": args.visitors,
                                           "seconds": args.seconds, "tag": "load",
                                           "timeout": 30.0})
                load = Counters(pg_log, r, pids).minus(before)
                subscribers = sum(n for _, n in r.pubsub_numsub("flask-socketio"))
        finally:
            for server in servers:
                server.stop()
            postgres.stop()
    answered = result["answered"]
    return {"machine": machine(), "mode": args.mode, "visitors": args.visitors,
            "answered": answered, "lost": result["lost"], "idle": idle, "load": load,
            "queue_subscribers": subscribers,
            "per_message": per_message(load, idle, answered)}


def print_counts(what, counts):
    """One markdown table row of per-message counts (those that round to zero left out),
    with their total: the database's round trips and Redis's commands read alike."""
    counts = {k: v for k, v in counts.items() if abs(v) >= 0.005}
    print(f"| {what} | " + " | ".join(counts) + " | total |")
    print("|---" * (len(counts) + 2) + "|")
    print("| per message | " + " | ".join(f"{v:.2f}" for v in counts.values())
          + f" | **{sum(counts.values()):.2f}** |")


def print_report(figures):
    """Markdown tables: round trips and Redis commands, then CPU, per answered message."""
    host, per = figures["machine"], figures["per_message"]
    print(f"Per answered message, {figures['mode']}, {figures['visitors']} visitors on one of "
          f"two processes, {figures['answered']} answered ({figures['lost']} lost) in "
          f"{figures['load']['seconds']:.1f} s; idle rate over {figures['idle']['seconds']:.1f} s "
          f"subtracted; {host['cpu']}, {host['cores']} cores, load average "
          f"{host['load_average']}, {host['date']}")
    print()
    print_counts("database round trips", per["trips"])
    print()
    print("| statement (its first characters) | per message |")
    print("|---|---|")
    for shape, n in sorted(per["shapes"].items(), key=lambda kv: -kv[1]):
        if n >= 0.05:
            print(f"| `{shape.replace('|', '/')}` | {n:.2f} |")
    print()
    print_counts("Redis commands", per["redis"])
    print()
    print("| CPU ms per message | " + " | ".join(per["cpu_ms"]) + " |")
    print("|---" * (len(per["cpu_ms"]) + 1) + "|")
    print("| | " + " | ".join(f"{v:.2f}" for v in per["cpu_ms"].values()) + " |")
    idle = figures["idle"]
    print()
    print(f"processes subscribed to the Socket.IO queue: {figures['queue_subscribers']} "
          "(each gets every PUBLISH)")
    print()
    print(f"idle ({idle['seconds']:.1f} s): {sum(idle['trips'].values())} database round trips, "
          f"{sum(idle['redis'].values())} Redis commands; CPU s "
          + ", ".join(f"{k} {v:.2f}" for k, v in idle["cpu"].items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="eventlet", choices=["eventlet", "gevent"])
    parser.add_argument("--visitors", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of the idle window")
    parser.add_argument("--model-dir", help="reuse (or train into) this model directory")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = run(args)
    print_report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 1 if figures["lost"] or not figures["answered"] else 0


if __name__ == "__main__":
    sys.exit(main())
