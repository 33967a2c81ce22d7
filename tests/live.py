"""A real kefu server in a subprocess (``python -m kefu run``), for browser and client tests."""
import os
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


class LiveServer:
    """Start ``kefu run`` with its own instance folder; stop it on ``stop()``."""

    def __init__(self, instance, model_dir, *, async_mode="eventlet", env=None):
        self.instance = instance
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = instance / "server.log"
        self.env = {**os.environ, "KEFU_INSTANCE_PATH": str(instance),
                    "KEFU_SECRET_KEY": "live-test-secret", "KEFU_MODEL_DIR": str(model_dir),
                    "KEFU_ASYNC_MODE": async_mode, "KEFU_ADMIN_EMAIL": "admin@example.com",
                    **(env or {})}
        self.proc = None

    def start(self, timeout=60):
        """Launch and wait until /healthz answers."""
        self.instance.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kefu", "run", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=PROJECT_ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.output()}")

    def create_user(self, email, name, role="agent", password="correct horse battery"):
        """Add a user to this server's database with ``kefu create-user``; returns the password."""
        subprocess.run(
            [sys.executable, "-m", "kefu", "create-user", email, "--name", name, "--role", role,
             "--password", password],
            cwd=PROJECT_ROOT, env=self.env, check=True, capture_output=True, timeout=60)
        return password

    def output(self) -> str:
        """Everything the server printed so far."""
        self.log.flush()
        return self.log_path.read_text()

    def stop(self):
        """Terminate the server and wait for it."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
