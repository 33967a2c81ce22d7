"""Logged-in admin browsers for the admin page tests."""
import re

from tests.helpers import csrf_token, login, make_user


class AdminBrowser:
    """An HTTP test client logged in as a new admin; ``post`` adds the CSRF token."""

    def __init__(self, app, role="admin", accept_language="en"):
        self.id, self.email, self.password = make_user(app, role=role)
        self.http = app.test_client()
        self.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
        self.csrf = login(self.http, self.email, self.password)

    def get(self, path, **kw):
        return self.http.get(path, **kw)

    def post(self, path, data=None, **kw):
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})}, **kw)

    def text(self, response) -> str:
        return response.get_data(as_text=True)


def one_time_password(html: str) -> str:
    """The password a one-time password page shows."""
    return re.search(r'data-role="one-time-password">([^<]+)<', html).group(1)


__all__ = ["AdminBrowser", "csrf_token", "one_time_password"]
