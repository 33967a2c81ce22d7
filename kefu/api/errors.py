"""Every API failure is JSON: ``{"ok": false, "error": {code, message}}`` with its status."""
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kefu.api import bp
from kefu.auth.access import json_error
from kefu.services.errors import ServiceError

#: HTTP status of each service error code; anything else is a 400.
STATUS = {"not_found": 404, "forbidden": 403, "unauthorized": 401, "duplicate_shortcut": 409,
          "invalid_state": 409}


@bp.errorhandler(ServiceError)
def service_error(error):
    """A refused request: its code decides the status."""
    return json_error(STATUS.get(error.code, 400), error.code, error.message)


@bp.errorhandler(CSRFError)
def csrf_error(error):
    """Writes need the ``X-CSRFToken`` header."""
    return json_error(400, "csrf_failed", error.description)


@bp.errorhandler(429)
def too_many_requests(error):
    """Flask-Limiter's refusal, in the API's words."""
    return json_error(429, "rate_limited", "Too many requests; try again in a moment.")


@bp.errorhandler(HTTPException)
def http_error(error):
    """404, 405 and friends, as JSON."""
    return json_error(error.code, error.name.lower().replace(" ", "_"), error.description)
