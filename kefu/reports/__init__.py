"""The reports pages (``/reports``): admins see the whole desk, agents their own work."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from kefu.reports import routes  # noqa: E402,F401
