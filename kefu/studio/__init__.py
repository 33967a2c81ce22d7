"""The FAQ studio: content editors (and admins) edit the intent files and try the bot."""
from flask import Blueprint

bp = Blueprint("studio", __name__, url_prefix="/studio")

from kefu.studio import routes  # noqa: E402,F401
