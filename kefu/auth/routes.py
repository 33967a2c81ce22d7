"""Logging in and out, changing one's password, and ending one's sessions.

A login opens a server-side :class:`~kefu.models.LoginSession` whose id is all the
cookies carry, so every way out (logout, "log out everywhere", a new password,
deactivation) takes effect at once on every copy of the cookie and every socket.
Failed logins are limited per address (Flask-Limiter) and per account.
"""
import functools
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from kefu.auth import bp
from kefu.auth.access import home_of
from kefu.auth.forms import ForgotForm, LoginForm, PasswordForm, ResetForm
from kefu.extensions import db, limiter
from kefu.models import LoginSession, User, password_hash_method, utcnow
from kefu.pages_i18n import error_text, t
from kefu.security import client_address
from kefu.services import mail, ratelimit, users
from kefu.services.errors import ServiceError
from kefu.signals import sessions_revoked


@functools.cache
def unknown_email_hash(method):
    """Checked for an unknown email, so that it costs as long as a wrong password does
    (made at the cost of the app's ``PASSWORD_HASH_METHOD``, once per process)."""
    return generate_password_hash("kefu: no account has this password", method=method)


def _safe_next(target):
    """Only same-site relative paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return None


def _home(user):
    return home_of(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               methods=["POST"])
def login():
    """Show the form; on POST check the password of an active user."""
    form = LoginForm(formdata=request.form if request.method == "POST" else None)  # no JSON
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Attempts per account, whatever address they come from (any email, known or
        # not, so the limit reveals nothing), counted before the password is checked so
        # that a burst of parallel guesses cannot slip past; the lock ends with the window,
        # and a login that succeeds forgives the attempts before it (someone who signs in
        # often is not a guesser).
        if not ratelimit.allow("LOGIN_ACCOUNT_RATE_LIMIT", "login-account", email):
            flash(t("account_limited"), "error")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
        if user is None:
            check_password_hash(unknown_email_hash(password_hash_method()),
                                form.password.data)  # same time as a user
            flash(t("wrong_login"), "error")  # never which of email or password was wrong
        elif not user.check_password(form.password.data):
            flash(t("wrong_login"), "error")
        elif not user.active:  # said only to someone who knows the password
            flash(t("deactivated"), "error")
        else:
            ratelimit.forgive("LOGIN_ACCOUNT_RATE_LIMIT", "login-account", email)
            user.start_session(request.headers.get("User-Agent"), client_address())
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or _home(user))
    return render_template("auth/login.html", form=form), (400 if request.method == "POST" else 200)


@bp.errorhandler(429)
def too_many_logins(error):
    """The per-address limit (Flask-Limiter) on the login form, said on the login page."""
    flash(t("address_limited"), "error")
    form = LoginForm(formdata=None)
    return render_template("auth/login.html", form=form), 429


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a reset link by email; the answer never says whether the account exists."""
    form = ForgotForm(formdata=request.form if request.method == "POST" else None)
    sent = False
    if mail.configured() and form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        # Counted like logins, so the form cannot be used to flood someone's inbox.
        if ratelimit.allow("LOGIN_ACCOUNT_RATE_LIMIT", "reset-account", email):
            try:
                users.forgotten(email, lambda token: url_for(
                    "auth.reset_password", token=token, _external=True))
            except ServiceError:  # the mail server failed: the answer stays the same
                current_app.logger.warning("password reset mail to %s failed", email)
        sent = True
    return render_template("auth/forgot.html", form=form, sent=sent,
                           mail_on=mail.configured())


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Set a new password from an emailed link (it expires, and works once)."""
    form = ResetForm(formdata=request.form if request.method == "POST" else None)
    try:
        users.user_of_reset_token(token)
    except ServiceError as error:
        return render_template("auth/reset.html", form=None,
                               problem=t("token_expired" if error.code == "token_expired"
                                         else "token_invalid")), 400
    if form.validate_on_submit():
        if form.new.data != form.repeat.data:
            form.repeat.errors.append(t("passwords_differ"))
        else:
            try:
                users.reset_with_token(token, form.new.data)
            except ServiceError as error:
                form.new.errors.append(error_text(error))
            else:
                flash(t("reset_done"), "info")
                return redirect(url_for("auth.login"))
    return (render_template("auth/reset.html", form=form, problem=None),
            400 if request.method == "POST" else 200)


@bp.post("/logout")
@login_required
def logout():
    """End this login session (POST with CSRF token, so no link can log someone out).

    Every copy of this browser's cookies stops working, and the desk sockets opened
    under it are cut (the ``user_logged_out`` signal, in :mod:`kefu.realtime`).
    """
    _end(current_user.login_session_id)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """End every login session of this user, in every browser."""
    ids = current_user.revoke_sessions()
    db.session.commit()
    sessions_revoked.send(current_app._get_current_object(), login_ids=ids)
    logout_user()
    flash("Logged out everywhere. · 已在所有设备上退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password: every session ends, this browser gets a new one."""
    form = PasswordForm(formdata=request.form if request.method == "POST" else None)  # no JSON
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("The current password is wrong. · 当前密码不正确。")
        else:
            user = current_user._get_current_object()
            ids = user.change_password(form.new.data)
            user.start_session(request.headers.get("User-Agent"), client_address())
            db.session.commit()
            sessions_revoked.send(current_app._get_current_object(), login_ids=ids)
            login_user(user)
            flash("Password changed; your other sessions have ended. · "
                  "密码已修改，其他登录已退出。", "info")
            return redirect(_home(user))
    return (render_template("auth/password.html", form=form),
            400 if request.method == "POST" else 200)


def _end(login_session_id):
    login = db.session.get(LoginSession, login_session_id) if login_session_id else None
    if login is not None and login.revoked_at is None:
        login.revoked_at = utcnow()
        db.session.commit()
