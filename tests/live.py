"""A real kefu server in a subprocess (``python -m kefu run``), for browser and client tests."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from kefu.config import PROJECT_ROOT


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Tests hash passwords at a 32nd of production's scrypt cost (werkzeug's default is
#: scrypt:32768:8:1): a user made or a login checked costs about 4 ms instead of 100 ms.
#: Every app of the suite uses it (tests/conftest.py's make_config, live servers here);
#: tests/kefu/test_app_factory.py checks that production keeps the full cost.
TEST_PASSWORD_HASH_METHOD = "scrypt:1024:8:1"

#: The identity secret of every live server: host pages in tests sign their users with it.
LIVE_IDENTITY_SECRET = "live-identity-secret"


class ServerProcess:
    """A server in a subprocess that is up once its ``/healthz`` answers 200.

    Subclasses set ``url``, ``log_path`` and ``name`` and pass the command line to
    :meth:`launch`; :meth:`kill9` ends it like a crash, and :meth:`launch` may start it
    again on the same port and instance.
    """

    name = "server"
    proc = None
    log = None

    def launch(self, argv, *, env=None, cwd=PROJECT_ROOT, timeout=60):
        """Run ``argv`` and wait until /healthz answers."""
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {self.output()}")

    def output(self) -> str:
        """Everything the server printed so far."""
        self.log.flush()
        return self.log_path.read_text()

    def kill9(self):
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        self.proc.kill()
        self.proc.wait(10)
        self.log.close()

    def stop(self):
        """Terminate the server and wait for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()


class LiveServer(ServerProcess):
    """Start ``kefu run`` with its own instance folder; stop it on ``stop()``."""

    name = "kefu run"

    def __init__(self, instance, model_dir, *, async_mode="eventlet", env=None):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = instance / "server.log"
        self.env = {**os.environ, "KEFU_INSTANCE_PATH": str(instance),
                    "KEFU_SECRET_KEY": "live-test-secret", "KEFU_MODEL_DIR": str(model_dir),
                    "KEFU_ASYNC_MODE": async_mode, "KEFU_ADMIN_EMAIL": "admin@example.com",
                    "KEFU_IDENTITY_SECRET": LIVE_IDENTITY_SECRET,
                    "KEFU_PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
                    **(env or {})}

    def start(self, timeout=60):
        """Launch and wait until /healthz answers (again after :meth:`kill9`, same port)."""
        self.instance.mkdir(parents=True, exist_ok=True)
        return self.launch(
            [sys.executable, "-m", "kefu", "run", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, timeout=timeout)

    def create_user(self, email, name, role="agent", password="correct horse battery"):
        """Add a user to this server's database with ``kefu create-user``; returns the password."""
        subprocess.run(
            [sys.executable, "-m", "kefu", "create-user", email, "--name", name, "--role", role,
             "--password", password],
            cwd=PROJECT_ROOT, env=self.env, check=True, capture_output=True, timeout=60)
        return password


@contextlib.contextmanager
def redis_server():
    """A throwaway redis-server on a free loopback port that saves nothing; yields its URL."""
    import redis

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--bind", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
