"""Pages for refusals outside the API: a 403 that says, in both languages, why and where to go.

An editor who opens ``/agent`` used to see a bare English "Forbidden"; this page
names their role and links to their own home page. The API keeps its JSON
errors (its blueprint handles them first).
"""
from flask import render_template, request, url_for
from flask_login import current_user

from kefu.auth.access import home_of, json_error
from kefu.studio.texts import page_language, translator


def forbidden(error):
    """403 as a page in the browser's language (JSON under /api/, as before)."""
    if request.path.startswith("/api/"):
        return json_error(403, "forbidden", "Your role may not do this.")
    lang = page_language()
    known = current_user.is_authenticated or getattr(current_user, "active", None) is False
    role = getattr(current_user, "role", None) if known else None
    home = home_of(current_user) if role and current_user.active else url_for("auth.login")
    return render_template("errors/403.html", lang=lang, t=translator(lang), role=role,
                           home=home, zh=translator("zh"), en=translator("en")), 403


def init_app(app):
    """Register the refusal pages."""
    app.register_error_handler(403, forbidden)
