"""``kefu`` / ``flask --app kefu`` commands: setup, create-user, train, run."""
import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import ROLES, User
from kefu.services.errors import ServiceError


def init_app(app):
    """Register the commands on the app's CLI group."""
    app.cli.add_command(setup_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(deactivate_user_command)
    app.cli.add_command(train_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(nginx_config_command)


def upgrade_database():
    """Create or migrate the schema to the newest revision (Flask-Migrate/Alembic)."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def create_user(email, name, role, password=None):
    """Create a user; returns (user, password) with a generated password if none given."""
    from kefu.services import users

    if role not in ROLES:
        raise click.BadParameter(f"role must be one of {', '.join(ROLES)}")
    password = password or secrets.token_urlsafe(12)
    try:
        changed = users.create(None, email, name, role, password)
    except ServiceError as error:
        raise click.ClickException(error.message)
    return db.session.get(User, changed.user["id"]), password


def find_user(email) -> User:
    """The user with this email (any case), or a ClickException."""
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def ended_sessions(ids) -> None:
    """Say which sessions ended (the users service has told running servers already)."""
    click.echo(f"Ended {len(ids)} login session(s); open desk sockets are cut within "
               f"{current_app.config['REVOCATION_CHECK_SECONDS']:g} s.")


def ensure_admin():
    """On a desk with no users, create an admin and print the password once."""
    if db.session.scalar(select(func.count(User.id))):
        return None
    email = current_app.config.get("ADMIN_EMAIL", "admin@example.com")
    user, password = create_user(email, "Admin", "admin")
    click.secho("\n  First start: an admin account was created.", fg="green", bold=True)
    click.echo(f"    email:    {user.email}\n    password: {password}")
    click.secho("  This password is shown only now; keep it safe.\n", fg="yellow")
    return user


def progress_bar():
    """A progress callback ``(stage, done, total)`` that draws a bar on the terminal."""
    state = {"stage": None}

    def report(stage, done, total):
        width = 30
        filled = int(width * done / total) if total else width
        if state["stage"] not in (None, stage):
            sys.stderr.write("\n")
        state["stage"] = stage
        sys.stderr.write(f"\r  {stage:<24} [{'#' * filled}{'.' * (width - filled)}] "
                         f"{done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
            state["stage"] = None
        sys.stderr.flush()

    return report


def train_if_needed(force=False):
    """Train the bot when its saved model is missing or stale (or when forced)."""
    import bot

    from bot.intents import IntentFileError
    from bot.validate_cli import print_report

    from kefu.services import model_versions

    cfg = current_app.config
    if not force and model_versions.published_paths(current_app.instance_path):
        return False  # the studio published a model with its own files: serve that
    if force or bot.is_stale(cfg["INTENTS_DIR"], cfg["MODEL_DIR"]):
        click.echo(f"Training the bot from {cfg['INTENTS_DIR']} ...")
        try:
            trained = current_app.extensions["kefu_bot"].train(progress=progress_bar())
        except IntentFileError:
            # The `bot validate` list (file:line per problem) and exit 1, never a traceback.
            print_report(cfg["INTENTS_DIR"])
            click.echo("Not trained: fix the errors above first; the saved model is unchanged.",
                       err=True)
            raise click.exceptions.Exit(1)
        if model_versions.published_paths(current_app.instance_path):
            model_versions.unpublish()  # the files are the source of truth again
            click.echo("The model published from the studio is no longer served.")
        scores = trained.metadata.get("scores", {})
        click.echo(f"Model saved in {cfg['MODEL_DIR']} "
                   f"({trained.metadata.get('n_intents')} intents; scores {scores})")
        return True
    return False


def setup():
    """Everything a fresh checkout needs before serving: schema, model, first admin."""
    upgrade_database()
    train_if_needed()
    ensure_admin()


@click.command("setup")
@with_appcontext
def setup_command():
    """Create or migrate the database, train the bot if needed, create the first admin."""
    setup()


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--password", help="Generated and printed when omitted.")
def create_user_command(email, name, role, password):
    """Create an admin, agent or editor account."""
    user, password_used = create_user(email, name, role, password)
    click.echo(f"Created {user.role} {user.email}")
    if not password:
        click.echo(f"Password: {password_used}")


@click.command("train")
@with_appcontext
@click.option("--force/--if-stale", default=True, show_default=True)
def train_command(force):
    """Train the bot from the intent files and save it where the server picks it up."""
    if not train_if_needed(force=force):
        click.echo("The saved model is up to date.")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-setup", is_flag=True, help="Skip migrations, training and the admin check.")
def serve_command(host, port, no_setup):
    """Serve HTTP and Socket.IO (use ``kefu run``, which monkey-patches first)."""
    from kefu.extensions import socketio

    if not no_setup:
        setup()
    app = current_app._get_current_object()
    click.echo(f"kefu on http://{host}:{port} ({socketio.async_mode})")
    from kefu.realtime import background
    from kefu.serve import serve

    background.start(app)
    serve(app, host, port, socketio.async_mode)


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--password", help="Generated and printed when omitted.")
def set_password_command(email, password):
    """Give a user a new password; every session of theirs ends."""
    from kefu.services import users

    user = find_user(email)
    new = password or secrets.token_urlsafe(12)
    changed = users.set_password(None, user.id, new, how="cli")
    click.echo(f"New password set for {user.email}")
    if not password:
        click.echo(f"Password: {new}")
    ended_sessions(changed.login_ids)


@click.command("deactivate-user")
@with_appcontext
@click.argument("email")
def deactivate_user_command(email):
    """Lock a user out: no more logins, every session ends, their open chats go back."""
    from kefu.services import users

    try:
        changed = users.deactivate(None, find_user(email).id)
    except ServiceError as error:
        raise click.ClickException(error.message)
    click.echo(f"Deactivated {changed.user['email']}; {len(changed.requeued)} open chat(s) "
               "went back to the queue")
    ended_sessions(changed.login_ids)


@click.command("nginx-config")
@click.option("--upstream", "upstreams", multiple=True, required=True, metavar="HOST:PORT",
              help="A `kefu run` process; repeat for each.")
@click.option("--listen", default="80", show_default=True)
@click.option("--server-name", default="_", show_default=True)
def nginx_config_command(upstreams, listen, server_name):
    """Print the nginx site config for these kefu processes (docs/deploy.md)."""
    from kefu.nginx import site_config

    click.echo(site_config(upstreams, listen=listen, server_name=server_name), nl=False)
