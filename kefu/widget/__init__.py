"""The visitor side over HTTP: the demo shop page and the embeddable widget script."""
from flask import Blueprint

bp = Blueprint("widget", __name__)

from kefu.widget import routes  # noqa: E402,F401
