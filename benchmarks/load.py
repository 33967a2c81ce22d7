"""Throughput of kefu against the framework floor, under the loads of issue 12.

For every async mode and every load, this starts a fresh server (the floor of
benchmarks/floor_server.py, ``kefu run`` on SQLite, or kefu on PostgreSQL + Redis with
one or two processes: benchmarks/servers.py), warms it up with a few visitors, then
drives it from separate generator processes (benchmarks/loadgen.py; separate so that
server and generator each get a core) and prints, per server, msg/s, p50/p99 of the
time from a question to the bot's ``message`` with its ``reply_to``, lost replies (never
answered within the timeout), duplicated replies, refused connections, the server's
CPU seconds and RSS, and kefu's figures as ratios of the floor's from the same run.

Loads (only questions the bot answers outright are asked, as in roundtrip.py):

- ``a``: N visitors in a closed loop (send, wait for the reply, send again), default 100;
- ``b``: N visitors each asking every P seconds (open loop), default 500 every 2 s;
- ``c``: N connected visitors each asking every 10 s, default 1,100: refusals counted.

Server RSS is read idle (after the warm-up) and with every visitor connected, which
gives the memory per 1,000 connections.  Figures go to stdout, progress to stderr.

Usage::

    python benchmarks/load.py                               # loads a, b, c; both modes
    python benchmarks/load.py --loads a --seconds 20 --json out.json
    python benchmarks/load.py --loads c --modes eventlet
    python benchmarks/load.py --servers floor kefu-sqlite kefu-pg1 kefu-pg2
    python benchmarks/load.py --servers kefu-pg1 kefu-pg2-nginx --loads a   # behind nginx
    python benchmarks/load.py --smoke                       # a few seconds, for the suite
"""
import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import loadgen  # noqa: E402
from benchmarks.report import print_report  # noqa: E402
from benchmarks.roundtrip import answered_questions, log, machine, model_dir_for  # noqa: E402
from benchmarks.servers import Stack  # noqa: E402

GENERATOR = ROOT / "benchmarks" / "loadgen.py"
LOADS = {
    "a": {"kind": "closed", "visitors": 100, "period": None},
    "b": {"kind": "open", "visitors": 500, "period": 2.0},
    "c": {"kind": "open", "visitors": 1100, "period": 10.0},
}
WARMUP = {"kind": "closed", "visitors": 4, "period": None, "seconds": 2.0, "timeout": 10.0}


def warm_up(target, questions):
    """A few visitors for a moment, in this process: loads the bot, fills the caches."""
    spec = {**WARMUP, "urls": target.urls, "tag": "warm", "questions": questions,
            "spread_addresses": target.spread_addresses}
    result = loadgen.run_here(spec)
    if not result["connected"]:
        raise RuntimeError(f"warm-up: no visitor could connect to {target.name}: "
                           f"{result['refusals']}")
    if result["lost"] or result["duplicated"] or result["refused"]:
        log(f"  warm-up on {target.name}: {result['lost']} of {result['sent']} replies lost, "
            f"{result['duplicated']} duplicated, {result['refused']} refused; lost: "
            f"{result['lost_sample']}")


class Sampler(threading.Thread):
    """The server's peak RSS while the load runs, sampled every quarter second."""

    def __init__(self, target):
        super().__init__(daemon=True)
        self.target, self.peak, self.done = target, 0.0, threading.Event()

    def run(self):
        while not self.done.wait(0.25):
            self.peak = max(self.peak, self.target.rss_mb())


def spawn_generators(spec, processes, workdir):
    """Split the visitors over ``processes`` generator processes; return the Popen objects."""
    procs = []
    share, extra = divmod(spec["visitors"], processes)
    first = 0
    for g in range(processes):
        count = share + (1 if g < extra else 0)
        part = {**spec, "visitors": count, "first_index": first, "tag": f"{spec['tag']}g{g}",
                "seed": g}
        first += count
        path = Path(workdir) / f"spec-{spec['tag']}-{g}.json"
        path.write_text(json.dumps(part))
        procs.append(subprocess.Popen([sys.executable, str(GENERATOR), str(path)], cwd=ROOT,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    return procs


def read_line(proc, key):
    """The generator's next JSON line, which must hold ``key``."""
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"load generator {proc.pid} exited ({proc.wait()})")
    data = json.loads(line)
    if key not in data:
        raise RuntimeError(f"load generator said {data}")
    return data


def measure(target, load, args, questions, workdir):
    """One load on one fresh server: connect, read idle/connected RSS, load, gather."""
    spec = {**LOADS[load], "urls": target.urls, "tag": f"{target.name}-{load}",
            "questions": questions, "seconds": args.seconds, "timeout": args.timeout,
            "spread_addresses": target.spread_addresses}
    if args.visitors.get(load):
        spec["visitors"] = args.visitors[load]
    if spec["kind"] == "open" and args.period:
        spec["period"] = args.period
    rss_idle = target.rss_mb()
    procs = spawn_generators(spec, args.generators, workdir)
    try:
        reports = [read_line(p, "connected") for p in procs]
        rss_connected = target.rss_mb()
        sampler = Sampler(target)
        sampler.peak = rss_connected
        sampler.start()
        proxy_before, each_before = target.proxy_cpu_seconds(), target.process_cpu_seconds()
        cpu_before, started = target.cpu_seconds(), time.monotonic()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        time.sleep(max(0.0, started + args.seconds - time.monotonic()))
        cpu_window = target.cpu_seconds() - cpu_before
        proxy_window = target.proxy_cpu_seconds() - proxy_before
        each_window = [b - a for a, b in zip(each_before, target.process_cpu_seconds())]
        results = [read_line(p, "result")["result"] for p in procs]
        sampler.done.set()
        for proc in procs:
            proc.wait(loadgen.CLOSE_TIMEOUT + 10)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    row = combine(spec, target, reports, results, cpu_window, rss_idle, rss_connected,
                  sampler.peak, args)
    row["proxy_cpu_s"], row["process_cpu_s"] = proxy_window, each_window
    return row


def combine(spec, target, reports, results, cpu_window, rss_idle, rss_connected, peak, args):
    """One row of figures from every generator's part."""
    def total(key):
        return sum(r[key] for r in results)

    window = [ms for r in results for ms in r["window_latencies_ms"]]
    latencies = [ms for r in results for ms in r["latencies_ms"]]
    connected = sum(r["connected"] for r in reports)
    refusals = {}
    for report in reports:
        for reason, n in report["refusals"].items():
            refusals[reason] = refusals.get(reason, 0) + n
    msgs_per_s = len(window) / args.seconds
    return {
        "server": target.name, "processes": len(target.pids), "load": spec["tag"][-1],
        "kind": spec["kind"], "visitors": spec["visitors"], "period_s": spec["period"],
        "offered_per_s": spec["visitors"] / spec["period"] if spec["period"] else None,
        "seconds": args.seconds, "connected": connected,
        "refused": sum(r["refused"] for r in reports), "refusals": refusals,
        "sent": total("sent"), "answered": total("answered"), "acked": total("acked"),
        "lost": total("lost"), "late": total("late"), "duplicated": total("duplicated"),
        "unknown_replies": total("unknown_replies"),
        "lost_sample": [m for r in results for m in r["lost_sample"]][:10],
        "ack_errors": sum(sum(r["ack_errors"].values()) for r in results),
        "msgs_per_s": msgs_per_s,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "server_cpu_s": cpu_window,
        "server_cpu_ms_per_msg": cpu_window * 1000 / len(window) if window else None,
        "generator_cpu_s": total("generator_cpu_s"),
        "rss_idle_mb": rss_idle, "rss_connected_mb": rss_connected, "rss_peak_mb": peak,
        "mb_per_1000_connections": ((rss_connected - rss_idle) * 1000 / connected
                                    if connected else None),
    }


def percentile(values, q):
    """The q-th percentile (nearest rank on the sorted values; None for none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def run_all(args):
    """Every mode x load x server, each on a fresh server; returns the rows."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="kefu-load-") as workdir:
        model_dir, faq_bot = model_dir_for(args.model_dir, workdir)
        questions = answered_questions(faq_bot)
        log(f"{len(questions)} held-back questions the bot answers outright")
        with Stack(Path(workdir), model_dir, log) as stack:
            for mode in args.modes:
                for load in args.loads:
                    for server in args.servers:
                        log(f"[{mode}] load {load} on {server}: starting")
                        target = stack.start(server, mode)
                        try:
                            warm_up(target, questions)
                            row = {"mode": mode, **measure(target, load, args, questions,
                                                           workdir)}
                        finally:
                            target.stop()
                        log(f"[{mode}] load {load} on {server}: {row['msgs_per_s']:.0f} msg/s, "
                            f"p50 {row['p50_ms'] or 0:.1f} ms, lost {row['lost']}, "
                            f"refused {row['refused']}, cpu {row['server_cpu_s']:.1f} s")
                        rows.append(row)
    return rows


def parse_args(argv=None):
    """Command-line options; ``--smoke`` shrinks everything to a few seconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", default=["eventlet", "gevent"],
                        choices=["eventlet", "gevent"])
    parser.add_argument("--loads", nargs="+", default=["a", "b", "c"], choices=sorted(LOADS))
    parser.add_argument("--servers", nargs="+", default=["floor", "kefu-sqlite"],
                        choices=Stack.SERVERS)
    parser.add_argument("--visitors", nargs="+", default=[], metavar="LOAD=N",
                        help="visitors of a load, e.g. a=50 c=1000")
    parser.add_argument("--period", type=float,
                        help="seconds between a visitor's questions in the open loads (b, c)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each load")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds after which an unanswered question is a lost reply")
    parser.add_argument("--generators", type=int, default=1, help="generator processes")
    parser.add_argument("--model-dir", help="reuse (or train into) this model directory")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--smoke", action="store_true",
                        help="eventlet, load a with 4 visitors for 2 s (the suite runs this)")
    args = parser.parse_args(argv)
    try:
        args.visitors = {k: int(v) for k, v in (item.split("=", 1) for item in args.visitors)}
    except ValueError:
        parser.error("--visitors takes LOAD=N, e.g. a=50")
    if args.smoke:
        args.modes, args.loads, args.seconds, args.timeout = ["eventlet"], ["a"], 2.0, 10.0
        args.visitors.setdefault("a", 4)
    if args.seconds <= 0 or args.timeout <= 0 or args.generators < 1:
        parser.error("--seconds and --timeout must be positive, --generators at least 1")
    return args


def main(argv=None):
    """Run, print the tables, optionally write JSON; exit 1 if a reply was lost."""
    args = parse_args(argv)
    host = machine()
    rows = run_all(args)
    print_report(rows, host, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": host, "rows": rows}, indent=2))
    return 1 if any(r["lost"] or r["duplicated"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
