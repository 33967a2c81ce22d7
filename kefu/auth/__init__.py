"""Logging in and out for agents, editors and admins."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from kefu.auth import routes  # noqa: E402,F401
