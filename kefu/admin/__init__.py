"""The admin pages (``/admin``): users, desk settings and the audit log; admins only."""
from flask import Blueprint, render_template

from kefu.auth.access import roles_required
from kefu.pages_i18n import error_text
from kefu.services.errors import ServiceError

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def admins_only():
    """Every page here is for active admins: others are sent to log in or refused (403)."""
    return None


@bp.errorhandler(ServiceError)
def service_error(error):
    """A refusal the views did not place on a form: an unknown user is a 404 page."""
    status = 404 if error.code == "not_found" else 400
    return render_template("admin/error.html", message=error_text(error)), status


from kefu.admin import audit_routes, settings_routes, user_routes  # noqa: E402,F401
