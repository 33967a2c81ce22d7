"""The servers benchmarks/load.py measures, and what they cost read from /proc.

Each target is a list of real processes on loopback: the framework floor
(benchmarks/floor_server.py), ``kefu run`` on SQLite, or one or two ``kefu run``
processes on PostgreSQL (tests/pg.py) with a throwaway Redis as message queue and
rate-limit store.  ``kefu-pg2`` is two ports with the visitors split between them;
``kefu-pg2-nginx`` puts a real nginx (tests/nginx.py, the config of docs/deploy.md) in
front of the same two processes, so the load goes through one address as in production
and the visitors come from many loopback addresses for nginx to hash.  CPU time and RSS come
from /proc/<pid>/stat and /proc/<pid>/status rather than psutil: four numbers do not
justify a dependency.
"""
import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer, ServerProcess, free_port, redis_server  # noqa: E402
from tests.nginx import NginxServer  # noqa: E402

FLOOR_SCRIPT = ROOT / "benchmarks" / "floor_server.py"
#: Limits high enough that the benchmark never trips them (docs/protocol.md has the real ones).
NO_LIMITS = {"KEFU_VISITOR_MESSAGE_RATE_LIMIT": "1000000 per minute",
             "KEFU_VISITOR_CONNECT_RATE_LIMIT": "1000000 per minute"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class FloorServer(ServerProcess):
    """benchmarks/floor_server.py in a subprocess, started like tests/live.py's LiveServer."""

    name = "floor"

    def __init__(self, workdir: Path, async_mode: str, extra_args=()):
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.async_mode = async_mode
        self.log_path = Path(workdir) / f"floor-{async_mode}-{self.port}.log"

    def start(self, timeout=30):
        """Launch and wait until /healthz answers."""
        return self.launch([sys.executable, str(FLOOR_SCRIPT), "--port", str(self.port),
                            "--async-mode", self.async_mode, *self.extra_args],
                           cwd=ROOT, timeout=timeout)


class Target:
    """The processes of one server under test: ``urls`` to connect to, ``pids`` to measure.

    With a ``proxy`` (nginx) the visitors connect to it alone, from addresses of their own
    (``spread_addresses``), and its CPU is counted apart (``proxy_cpu_seconds``) as well
    as in the total.
    """

    def __init__(self, name, servers, proxy=None):
        self.name = name
        self.servers = servers
        self.proxy = proxy
        self.spread_addresses = proxy is not None

    @property
    def urls(self):
        return [self.proxy.url] if self.proxy else [s.url for s in self.servers]

    def process_cpu_seconds(self):
        """CPU so far of each kefu process (how nginx split the load shows here)."""
        return [cpu_seconds(pid) for pid in self.pids]

    def proxy_cpu_seconds(self):
        return sum(cpu_seconds(pid) for pid in self.proxy.pids) if self.proxy else 0.0

    @property
    def pids(self):
        return [s.proc.pid for s in self.servers]

    def cpu_seconds(self):
        return sum(cpu_seconds(pid) for pid in self.pids) + self.proxy_cpu_seconds()

    def rss_mb(self):
        return sum(rss_mb(pid) for pid in self.pids)

    def stop(self):
        if self.proxy:
            self.proxy.stop()
        for server in self.servers:
            server.stop()


class Stack:
    """Starts targets by name; PostgreSQL and Redis are started once, on first need."""

    SERVERS = ("floor", "kefu-sqlite", "kefu-pg1", "kefu-pg2", "kefu-pg2-nginx")

    def __init__(self, workdir: Path, model_dir: Path, log):
        self.workdir, self.model_dir, self.log = Path(workdir), model_dir, log
        self.exits = contextlib.ExitStack()
        self.postgres = self.redis_url = None
        self.started = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.exits.close()

    def _distributed(self):
        """PostgreSQL + Redis, started on first use and stopped with the stack."""
        if self.postgres is None:
            from tests.pg import PostgresServer

            self.postgres = PostgresServer().start()
            self.exits.callback(self.postgres.stop)
            self.redis_url = self.exits.enter_context(redis_server())
            self.log(f"PostgreSQL on port {self.postgres.port}, Redis at {self.redis_url}")
        self.started += 1
        name = f"bench_{self.started}"
        self.postgres.execute(f"CREATE DATABASE {name}")
        return {"KEFU_DATABASE_URL": self.postgres.url(name),
                "KEFU_MESSAGE_QUEUE": self.redis_url,
                "KEFU_RATELIMIT_STORAGE_URI": self.redis_url}

    def start(self, server: str, mode: str) -> Target:
        """A fresh ``server`` in ``mode`` (a new database each time), up and answering."""
        self.started += 1
        if server == "floor":
            return Target(server, [FloorServer(self.workdir, mode).start()])
        env = dict(NO_LIMITS)
        processes = 1
        behind_nginx = server.endswith("-nginx")
        if server.startswith("kefu-pg"):
            env.update(self._distributed())
            processes = int(server[len("kefu-pg"):].removesuffix("-nginx"))
        if behind_nginx:
            env["KEFU_TRUSTED_PROXIES"] = "1"
        servers = []
        try:
            for i in range(processes):  # one after the other: the first one migrates
                instance = self.workdir / f"instance-{self.started}-{mode}-{i}"
                servers.append(LiveServer(instance, self.model_dir, async_mode=mode,
                                          env=env).start())
            proxy = (NginxServer([f"127.0.0.1:{s.port}" for s in servers]).start()
                     if behind_nginx else None)
        except Exception:
            for s in servers:
                s.stop()
            raise
        return Target(server, servers, proxy)
