"""A throwaway nginx from Debian's package in front of kefu processes, for tests and benchmarks.

It runs :func:`kefu.nginx.standalone_config` (the config docs/deploy.md shows) from its own
temporary prefix on a free loopback port, in the foreground (``daemon off``), so no root,
no /var and no port 80: the package's own service, if the system started it, is not
touched.  :func:`nginx_binary` is None when the package is missing; tests skip on that.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kefu.nginx import standalone_config
from tests.live import ServerProcess, free_port

MISSING = "nginx is not installed (apt-get install nginx; .ci/run and `make system-deps` do)"


def nginx_binary():
    """Debian's nginx (root's PATH has /usr/sbin, another user's may not), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


class NginxServer(ServerProcess):
    """nginx proxying to ``upstreams`` (``host:port``); up once ``/healthz`` answers through it."""

    name = "nginx"

    def __init__(self, upstreams, workers="auto"):
        self.upstreams = list(upstreams)
        self.workers = workers
        self.prefix = Path(tempfile.mkdtemp(prefix="kefu-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.prefix / "stderr.log"
        self.conf = self.prefix / "nginx.conf"

    def start(self, timeout=30):
        """Write the config, check it with ``nginx -t``, run it and wait for /healthz."""
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError(MISSING)
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "tmp" / kind).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(standalone_config(str(self.prefix), self.upstreams, self.port,
                                               workers=self.workers))
        argv = [binary, "-p", str(self.prefix), "-c", str(self.conf), "-e",
                str(self.prefix / "error.log")]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode:
            raise RuntimeError(f"nginx -t refused the config: {checked.stderr}")
        return self.launch([*argv, "-g", "daemon off;"], cwd=self.prefix, timeout=timeout)

    @property
    def pids(self):
        """The master and its workers (the workers do the proxying: their CPU counts)."""
        master = self.proc.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return [master, *(int(p) for p in children.read_text().split())]
        except OSError:
            return [master]

    def error_log(self) -> str:
        """What nginx logged (warnings and errors)."""
        path = self.prefix / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self):
        """Stop nginx (SIGTERM: fast shutdown) and delete its prefix."""
        try:
            super().stop()
        finally:
            shutil.rmtree(self.prefix, ignore_errors=True)

