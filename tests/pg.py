"""A throwaway PostgreSQL server for tests, from Debian's postgresql package.

It lives in its own temporary directory on a free port and is removed afterwards.
PostgreSQL refuses to run as root, so under root the server runs as the ``postgres``
system user that the Debian package creates.
"""
import glob
import os
import shutil
import subprocess
import tempfile

from tests.live import free_port


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if isinstance(found, list):
        found = found[-1] if found else None
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: apt-get install postgresql")
    return found


class PostgresServer:
    """initdb + pg_ctl start on loopback; ``url(db)`` gives a SQLAlchemy URL."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kefu-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *cmd):
        if self.as_root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self):
        """Create the cluster (trust auth for the ``kefu`` user) and start it."""
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._run(_pg_bin("initdb"), "-D", self.data, "-U", "kefu", "--auth=trust",
                  "-E", "UTF8", "--no-locale")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run(_pg_bin("pg_ctl"), "-D", self.data, "-o", options, "-l",
                  os.path.join(self.dir, "log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://kefu@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(f"postgresql://kefu@127.0.0.1:{self.port}/postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str) -> str:
        """Create an empty database with a fresh name; returns its URL."""
        import uuid

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self):
        """Stop the server and delete its files."""
        try:
            self._run(_pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def database_url(request, kind: str, folder, prefix: str) -> str:
    """A fresh database for a test that runs on both: a SQLite file in ``folder``, or a new
    database on the session's PostgreSQL server (started on first need)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / (prefix + '.sqlite')}"
    return request.getfixturevalue("postgres").new_database(prefix)
