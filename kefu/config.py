"""Configuration defaults and loading.

Precedence, lowest first: :class:`Defaults`, ``instance/config.py``, environment
variables prefixed ``KEFU_`` (``KEFU_DATABASE_URL``, ``KEFU_SECRET_KEY``,
``KEFU_MESSAGE_QUEUE``, ...), then the ``test_config`` mapping given to the factory.
Secrets never have a default here: ``kefu setup`` writes a random ``SECRET_KEY`` into
``instance/config.py``, which git ignores.
"""
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Environment names that do not follow the plain ``KEFU_<CONFIG_KEY>`` rule.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
}

ASYNC_MODES = ("eventlet", "gevent", "threading")


class Defaults:
    """Settings that are safe to ship; everything secret comes from instance or env."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/kefu.sqlite
    SQLALCHEMY_ENGINE_OPTIONS = None  # filled in by engine_options for the database URL
    #: Pooled database connections: at least the threads that run service calls
    #: (eventlet's pool has 20, gevent's 10), so no call waits for a connection.
    DB_POOL_SIZE = 20
    ASYNC_MODE = "eventlet"
    MESSAGE_QUEUE = None  # e.g. redis://localhost:6379/0 for several processes
    RATELIMIT_STORAGE_URI = "memory://"  # redis://... when several processes run
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"  # login POSTs per address
    #: Login attempts per account from any address; an account is locked at most this long.
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"
    SEARCH_RATE_LIMIT = "30 per minute"  # per user: each search scans the messages
    VISITOR_MESSAGE_RATE_LIMIT = "20 per 10 seconds"
    VISITOR_CONNECT_RATE_LIMIT = "30 per minute"
    AGENT_MESSAGE_RATE_LIMIT = "30 per 10 seconds"
    # typing, read, request_human, rate: cheap, but each one is a database call
    VISITOR_EVENT_RATE_LIMIT = "60 per 10 seconds"
    AGENT_EVENT_RATE_LIMIT = "120 per 10 seconds"
    VISITOR_TICKET_RATE_LIMIT = "5 per hour"  # leave_message, per visitor
    VISITOR_TICKET_ADDRESS_RATE_LIMIT = "20 per hour"  # leave_message, per address
    #: How many reverse proxies in front of kefu append to X-Forwarded-For; 0 trusts none,
    #: so a client cannot pick the address its rate limits are counted under.
    TRUSTED_PROXIES = 0
    PRESENCE_HEARTBEAT_SECONDS = 20  # how often a process refreshes its agents' sockets
    PRESENCE_TTL_SECONDS = 60  # a socket not refreshed for this long counts as gone
    #: How often each process looks for its agent sockets whose login was revoked
    #: where no broadcast reached it (the CLI); revocations in a server cut at once.
    REVOCATION_CHECK_SECONDS = 2.0
    #: The lifecycle jobs (kefu/services/lifecycle_jobs.py); the admin settings of the same
    #: names in lower case override these three for the whole desk.  0 turns one off.
    ABANDON_AFTER_SECONDS = 300  # a waiting visitor with no open socket this long leaves
    IDLE_CLOSE_AFTER_SECONDS = 1800  # an agent chat with no message this long is closed
    STICKY_AGENT_SECONDS = 900  # asking again this soon after a release: the same agent
    LIFECYCLE_CHECK_SECONDS = 5.0  # how often each process tries the lease and the jobs
    LIFECYCLE_LEASE_SECONDS = 30.0  # a holder that stops renewing is replaced after this
    INTENTS_DIR = str(PROJECT_ROOT / "intents")
    MODEL_DIR = None  # filled in with instance/model
    BOT_RELOAD_CHECK_SECONDS = 2.0
    #: How often each process asks whether the desk settings changed (one primary-key
    #: read); a change made in another process is seen within this many seconds.
    SETTINGS_CHECK_SECONDS = 1.0
    #: An answered visitor message takes the Core path in one transaction
    #: (kefu/services/answered_turn.py); false sends every message the ORM way, which the
    #: tests compare it with and benchmarks/hotpath.py can measure in the same tree.
    ANSWERED_TURN_ON_CORE = True
    #: Outgoing mail (password reset links, answers to left messages).  No MAIL_SERVER:
    #: no email at all, and the pages and the widget say so instead of promising one.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS after connecting
    MAIL_USE_SSL = False  # TLS from the first byte (usually port 465)
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "kefu <kefu@localhost>"
    MAIL_TIMEOUT = 10
    #: werkzeug's ``generate_password_hash`` method for new passwords ("scrypt" is werkzeug's
    #: default, scrypt:32768:8:1).  The test suite lowers the cost (tests/live.py); a check
    #: costs what the stored hash says, so a cheap method in production is a weak one.
    PASSWORD_HASH_METHOD = "scrypt"
    #: How long an emailed password reset link works, in seconds (it also works only once).
    PASSWORD_RESET_MAX_AGE = 3600
    #: The FAQ studio reads and writes intent files up to this size.
    STUDIO_MAX_FILE_BYTES = 512 * 1024
    STUDIO_MODELS_KEPT = 5  # trained versions kept besides the published one (rollbacks)
    STUDIO_REPORTS_DIR = None  # filled in with instance/reports (where `bot eval` writes)
    VISITOR_TOKEN_MAX_AGE = 180 * 24 * 3600
    MAX_MESSAGE_LENGTH = 2000
    #: Engine.IO's max_http_buffer_size: a Socket.IO frame (or polling request) larger than
    #: this closes the connection without an answer.  It must stay well above the largest
    #: frame a valid event can need (see frame_bytes_needed), so long texts get acks.
    MAX_FRAME_BYTES = 1_000_000
    MAX_CLIENT_MSG_ID_LENGTH = 64
    HISTORY_LIMIT = 200
    #: Lines of a visitor's ended chats per ``history`` page (and in ``session.earlier``).
    EARLIER_LIMIT = 50
    #: A closed, unrated chat asks for its rating again after a reload for this long after
    #: the close (``session.rate_pending``); later, a prompt about an old chat would puzzle.
    RATING_PROMPT_SECONDS = 24 * 3600
    #: The key host sites sign their customers' ids with (docs/widget.md, "Identity");
    #: None: identities are refused (``identity_not_configured``).  Set it in
    #: instance/config.py or KEFU_IDENTITY_SECRET, never in the repository.
    IDENTITY_SECRET = None
    CORS_ALLOWED_ORIGINS = "*"  # the widget is embedded on other sites
    #: Origins besides the server's own whose pages may open /agent (the cookie-authenticated
    #: namespace), e.g. ["https://desk.example.com"] when the workspace is served elsewhere.
    AGENT_ALLOWED_ORIGINS = []
    #: Connections (websockets, long-polls, page requests in flight) one process holds;
    #: the next is answered ``503 server_full`` (kefu/serve.py).
    MAX_CONNECTIONS = 10000
    MAX_CONTENT_LENGTH = 256 * 1024  # request bodies; the largest real one is a few KB
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # KEFU_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Scripts only from this server; styles may be inline (the widget injects its own);
    #: no plugins, no <base>, and no framing of kefu's pages.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    WTF_CSRF_TIME_LIMIT = None


def load_config(app, test_config=None):
    """Apply defaults, ``instance/config.py``, ``KEFU_*`` env vars and ``test_config``."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in _prefixed_env("KEFU_").items():
        app.config[ENV_ALIASES.get(key, key)] = value
    if test_config:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'kefu.sqlite'}"
    if app.config.get("SQLALCHEMY_ENGINE_OPTIONS") is None:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"], int(app.config["DB_POOL_SIZE"]))
    if not app.config.get("MODEL_DIR"):
        app.config["MODEL_DIR"] = str(instance / "model")
    if not app.config.get("STUDIO_REPORTS_DIR"):
        app.config["STUDIO_REPORTS_DIR"] = str(instance / "reports")
    if app.config["ASYNC_MODE"] not in ASYNC_MODES:
        raise RuntimeError(f"ASYNC_MODE must be one of {', '.join(ASYNC_MODES)}")
    needed = frame_bytes_needed(app.config)
    if app.config["MAX_FRAME_BYTES"] < 4 * needed:
        raise RuntimeError(f"MAX_FRAME_BYTES must be at least {4 * needed} (four times the "
                           f"largest valid frame, {needed} bytes, at MAX_MESSAGE_LENGTH)")
    # The "remember me" cookie is as secret as the session cookie: Secure when it is.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: run `kefu setup` (writes instance/config.py) "
            "or set KEFU_SECRET_KEY"
        )


def engine_options(url: str, pool_size: int) -> dict:
    """SQLAlchemy engine options for ``url``.

    A server database gets ``pool_pre_ping`` (a connection the server or a proxy dropped
    is replaced instead of failing a request).  A SQLite file does not: its connection
    cannot go away under the process, and the ping was one statement more on every
    checkout, three per visitor message.  An in-memory SQLite keeps SQLAlchemy's
    single-connection pool, which takes no size.
    """
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") in ("sqlite:", "sqlite:/", "sqlite://"):
            return {}
        return {"pool_size": pool_size, "max_overflow": pool_size // 2}
    return {"pool_pre_ping": True, "pool_size": pool_size, "max_overflow": pool_size // 2}


def frame_bytes_needed(config) -> int:
    """The largest frame a valid event can take, in bytes, JSON-escaped in the worst case.

    That is ``leave_message`` (name 120, email 255 and a text of MAX_MESSAGE_LENGTH
    characters) with every character outside the BMP and ``\\uXXXX\\uXXXX``-escaped
    (12 bytes), plus 1 KB for field names, ids and the packet header.
    """
    return 12 * (120 + 255 + config["MAX_MESSAGE_LENGTH"]
                 + 2 * config["MAX_CLIENT_MSG_ID_LENGTH"]) + 1024


def _prefixed_env(prefix):
    """Read ``KEFU_*`` variables; JSON-looking values (numbers, true) are parsed."""
    import json

    values = {}
    for name, raw in os.environ.items():
        if not name.startswith(prefix) or name in ("KEFU_INSTANCE_PATH",):
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        values[name[len(prefix):]] = value
    return values


def write_instance_config(instance_path):
    """Create ``instance/config.py`` with a random SECRET_KEY unless it exists.

    Returns True when the file was created.
    """
    path = Path(instance_path) / "config.py"
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Local settings for this machine; git ignores this file.\n"
        f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n"
        "# Host sites sign their customers' ids with this (docs/widget.md, Identity).\n"
        f"IDENTITY_SECRET = {secrets.token_urlsafe(32)!r}\n"
    )
    os.chmod(path, 0o600)
    return True
