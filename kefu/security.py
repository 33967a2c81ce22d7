"""Edge-of-the-app security: response headers, the client's address, same-origin checks."""
from urllib.parse import urlsplit

from flask import current_app, request

from kefu.services.errors import ServiceError


def client_address() -> str:
    """The address rate limits count under.

    ``X-Forwarded-For`` is believed only as far as ``TRUSTED_PROXIES`` proxies appended
    to it (the n-th entry from the right); otherwise any client could pick its address.
    """
    trusted = current_app.config["TRUSTED_PROXIES"]
    if trusted:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
                if h.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.remote_addr or "?"


def same_origin_or_allowed(origin) -> bool:
    """True when a request's ``Origin`` is this server or in ``AGENT_ALLOWED_ORIGINS``.

    Requests without an Origin (non-browser clients) pass: they cannot carry a
    victim's cookies.  The host is compared, not the scheme, so a TLS-terminating
    proxy in front does not matter.
    """
    if not origin:
        return True
    if origin.rstrip("/") in {o.rstrip("/") for o in current_app.config["AGENT_ALLOWED_ORIGINS"]}:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def own_origin(origin) -> bool:
    """True for no Origin (not a browser) and for this server's own pages."""
    return not origin or urlsplit(origin).netloc.lower() == request.host.lower()


def add_security_headers(response):
    """No MIME sniffing and same-origin referrers everywhere; CSP and no framing on pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy",
                                    current_app.config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def refuse_unstorable_text():
    """Every HTTP input (path, query, form, JSON body) must be text a database can store.

    One check before any view, so no endpoint (now or later) can pass a lone surrogate
    or a NUL character on to the database: ``invalid_text`` (400) instead.
    """
    from kefu.protocol import storable_values

    storable_values(request.view_args or {}, "path")
    storable_values(request.args.to_dict(flat=False), "query")
    storable_values(request.form.to_dict(flat=False), "form")
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            raise ServiceError("invalid_payload", "The body is nested too deeply.")
        storable_values(body, "body")


def service_error(error):
    """A ServiceError outside the API (whose own handler also sets the status)."""
    from kefu.auth.access import json_error

    return json_error(400, error.code, error.message)


def trust_forwarded_scheme(app) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, take the scheme from ``X-Forwarded-Proto``.

    A TLS-terminating nginx talks plain HTTP to kefu, so without this the links kefu
    writes out in full (password reset links in mail and on the admin's page) would say
    ``http://``.  Only the scheme: the address stays with :func:`client_address`, and the
    host comes from ``Host``, which the proxy passes on.  With no trusted proxy the
    header is ignored, as a client could send anything in it.
    """
    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=trusted, x_host=0)


def init_app(app):
    """Send the security headers on every response; refuse unstorable text on every request."""
    trust_forwarded_scheme(app)
    app.after_request(add_security_headers)
    app.before_request(refuse_unstorable_text)
    app.register_error_handler(ServiceError, service_error)
