"""Login and logout; logins are rate-limited per address."""
import secrets
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import func, select

from kefu.auth import bp
from kefu.auth.forms import LoginForm
from kefu.extensions import db, limiter
from kefu.models import User


def _safe_next(target):
    """Only same-site relative paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"],
               methods=["POST"])
def login():
    """Show the form; on POST check the password of an active user."""
    form = LoginForm(formdata=request.form if request.method == "POST" else None)  # no JSON
    if form.validate_on_submit():
        user = db.session.scalars(
            select(User).where(func.lower(User.email) == form.email.data.strip().lower())
        ).first()
        if user is None or not user.check_password(form.password.data):
            flash("Wrong email or password.", "error")
        elif not user.active:
            flash("This account is deactivated.", "error")
        else:
            login_user(user, remember=form.remember.data)
            session["login_id"] = secrets.token_urlsafe(16)  # names this browser's sockets
            home = url_for("agent.workspace") if user.has_role("agent") else url_for("widget.demo_shop")
            return redirect(_safe_next(request.args.get("next")) or home)
    return render_template("auth/login.html", form=form), (400 if request.method == "POST" else 200)


@bp.post("/logout")
@login_required
def logout():
    """End the session (POST with CSRF token, so no link can log someone out).

    The desk sockets this browser opened are cut too: they were authenticated by the
    cookie at connect time and would otherwise outlive it.
    """
    from kefu.realtime.agent import drop_login

    drop_login(session.pop("login_id", None))
    logout_user()
    return redirect(url_for("auth.login"))
