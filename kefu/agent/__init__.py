"""The agent workspace: the page agents and admins answer visitors from."""
from flask import Blueprint

bp = Blueprint("agent", __name__, url_prefix="/agent")

from kefu.agent import routes  # noqa: E402,F401
