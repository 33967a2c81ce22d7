"""Fixtures shared by every test: a trained bot, a migrated database, the app and its clients.

Tests use the real app, a real SQLite file migrated by Alembic, and the real bot
trained from ``intents/`` once per session.
"""
import shutil
from pathlib import Path

import pytest

from kefu import create_app
from kefu.config import PROJECT_ROOT
from tests.live import TEST_PASSWORD_HASH_METHOD

INTENTS_DIR = PROJECT_ROOT / "intents"
SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory):
    """The demo FAQ model, trained once for the whole session."""
    import bot

    model_dir = tmp_path_factory.mktemp("model")
    bot.train(INTENTS_DIR, model_dir)
    return model_dir


def make_config(instance: Path, model_dir: Path, **extra) -> dict:
    """Test settings: a database file in ``instance`` and the session's model."""
    config = {
        "TESTING": True,
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'kefu.sqlite'}",
        "MODEL_DIR": str(model_dir),
        "ASYNC_MODE": "threading",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
    }
    config.update(extra)
    return config


def copy_intents(target: Path) -> Path:
    """A copy of the demo ``intents/`` at ``target`` (kept if it exists already)."""
    if not target.exists():
        shutil.copytree(INTENTS_DIR, target)
    return target


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory, trained_model_dir):
    """A database file migrated to the newest revision once; each test gets a copy."""
    from kefu.cli import upgrade_database

    instance = tmp_path_factory.mktemp("template-instance")
    app = create_app(make_config(instance, trained_model_dir), instance_path=instance)
    with app.app_context():
        upgrade_database()
        from kefu.extensions import db

        db.engine.dispose()
    return instance / "kefu.sqlite"


@pytest.fixture
def app_factory(tmp_path, trained_model_dir, migrated_db):
    """Build apps on a fresh copy of the migrated database; ``**extra`` overrides settings."""

    def factory(**extra):
        instance = tmp_path / "instance"
        instance.mkdir(exist_ok=True)
        if not (instance / "kefu.sqlite").exists():
            shutil.copy(migrated_db, instance / "kefu.sqlite")
        # The studio writes intent files: every app gets its own copy of intents/ (same
        # names and bytes, so the session's model still matches it).
        extra.setdefault("INTENTS_DIR", str(copy_intents(tmp_path / "intents")))
        return create_app(make_config(instance, trained_model_dir, **extra),
                          instance_path=instance)

    return factory


@pytest.fixture
def app(app_factory):
    """The app on a fresh database."""
    app = app_factory()
    yield app
    with app.app_context():
        from kefu.extensions import db

        db.engine.dispose()


@pytest.fixture
def client(app):
    """An HTTP test client (cookies persist across requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def visitor(app, client):
    """Connect a /visitor Socket.IO test client: ``visitor(token=None, locale="en")``."""
    from kefu.extensions import socketio

    clients = []

    def connect(token=None, locale="en", **auth):
        payload = {"locale": locale, **auth}
        if token is not None:
            payload["token"] = token
        sio = socketio.test_client(app, namespace="/visitor", auth=payload,
                                   flask_test_client=app.test_client())
        clients.append(sio)
        return sio

    yield connect
    for sio in clients:
        if sio.is_connected("/visitor"):
            sio.disconnect("/visitor")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, trained_model_dir):
    """``kefu run`` with eventlet on a free port, shared by the live tests of a session."""
    from tests.live import LiveServer

    # Every browser test logs a new agent in from 127.0.0.1: about 17 logins in two minutes,
    # more than the production limit of 10 a minute per address once the suite got faster
    # (the 11th got the 429 page and never reached /agent/).  That limit is checked by
    # tests/kefu/test_auth.py and test_login_page.py; here it would only make the browser
    # tests depend on their speed.
    server = LiveServer(tmp_path_factory.mktemp("live-instance"), trained_model_dir,
                        env={"KEFU_LOGIN_RATE_LIMIT": "1000 per minute"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the session (Debian's postgresql package)."""
    from tests.pg import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback for one test; ``.messages`` holds the mail."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()
