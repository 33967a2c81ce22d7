"""The application factory."""
import os
from pathlib import Path

from flask import Flask

from kefu.config import PROJECT_ROOT, load_config
from kefu.extensions import csrf, db, limiter, login_manager, migrate, socketio

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(test_config=None, *, instance_path=None):
    """Build a kefu app.

    Configuration comes from defaults, ``instance/config.py``, ``KEFU_*`` environment
    variables and finally ``test_config`` (see :mod:`kefu.config`).  The instance folder
    is ``instance/`` beside the code unless ``instance_path`` or ``KEFU_INSTANCE_PATH``
    names another.
    """
    instance_path = instance_path or os.environ.get("KEFU_INSTANCE_PATH") or str(
        PROJECT_ROOT / "instance")
    app = Flask(
        "kefu",
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["ASYNC_MODE"],
        message_queue=app.config["MESSAGE_QUEUE"],
        cors_allowed_origins=app.config["CORS_ALLOWED_ORIGINS"],
        max_http_buffer_size=app.config["MAX_FRAME_BYTES"],
        manage_session=False,
    )

    from kefu import models, pages_i18n, security, sqlite_writer  # noqa: F401  (tables, listeners)
    from kefu.services import bot_bridge, ratelimit

    bot_bridge.init_app(app)
    ratelimit.init_app(app)
    security.init_app(app)
    pages_i18n.init_app(app)

    @login_manager.user_loader
    def load_user(login_session_id):
        # The cookie names a login session; a revoked one logs the browser out.
        return models.LoginSession.user_of(login_session_id)

    from kefu.admin import bp as admin_bp
    from kefu.agent import bp as agent_bp
    from kefu.api import bp as api_bp
    from kefu.auth import bp as auth_bp
    from kefu.reports import bp as reports_bp
    from kefu.studio import bp as studio_bp
    from kefu.widget import bp as widget_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(agent_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(studio_bp)

    from kefu import error_pages

    error_pages.init_app(app)

    from kefu import realtime

    realtime.init_app(app, socketio)

    from kefu import cli

    cli.init_app(app)
    return app
