"""Routes that serve the widget and a demo page that embeds it."""
import json
from pathlib import Path

from flask import abort, current_app, render_template, request, send_from_directory

from kefu.widget import bp

YEAR = 365 * 24 * 3600
#: Pre-compressed copies written by the build (static/src/build.mjs), best first.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def _dist() -> Path:
    return Path(current_app.static_folder) / "dist"


@bp.get("/")
def demo_shop():
    """A small shop page with the chat widget in the corner, as a customer site would embed it."""
    return render_template("widget/demo.html")


@bp.get("/widget.js")
def widget_script():
    """The one script a site embeds: a tiny loader, cached for five minutes, naming the bundle."""
    response = send_from_directory(_dist(), "widget-loader.js",
                                   mimetype="application/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/widget/<name>")
def widget_bundle(name):
    """The hashed widget bundle, pre-compressed when the browser accepts it, cached for a year.

    Only the bundle the manifest names is served: the name changes with the content,
    so it can be marked immutable.
    """
    manifest = json.loads((_dist() / "manifest.json").read_text())
    if name != manifest["kefu-widget"]:
        abort(404)
    accepted = request.accept_encodings
    encoding, suffix = next(((e, s) for e, s in ENCODINGS if accepted[e]), (None, ""))
    response = send_from_directory(_dist(), name + suffix, mimetype="application/javascript",
                                   max_age=YEAR, conditional=True)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/favicon.ico")
def favicon():
    """The browser asks every page for one; answer with kefu's icon, not a 404."""
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=YEAR)


@bp.get("/healthz")
def health():
    """Liveness for load balancers."""
    return {"ok": True}
