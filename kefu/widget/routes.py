"""Routes that serve the widget and a demo page that embeds it."""
from flask import current_app, render_template, send_from_directory

from kefu.widget import bp


@bp.get("/")
def demo_shop():
    """A small shop page with the chat widget in the corner, as a customer site would embed it."""
    return render_template("widget/demo.html")


@bp.get("/widget.js")
def widget_script():
    """The one script a site embeds: the bundled widget (built by ``npm run build``)."""
    response = send_from_directory(current_app.static_folder, "dist/kefu-widget.js",
                                   mimetype="application/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/healthz")
def health():
    """Liveness for load balancers."""
    return {"ok": True}
