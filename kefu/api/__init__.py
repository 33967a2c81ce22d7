"""REST API v1 (``/api/v1``): search, canned replies, tickets, settings; JSON in and out."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from kefu.api import errors, routes  # noqa: E402,F401
