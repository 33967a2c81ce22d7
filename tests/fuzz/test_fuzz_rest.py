"""Property: every HTTP endpoint answers any input without a 500 and writes nothing on refusal.

The endpoints come from ``app.url_map``, so a new one is fuzzed automatically: hostile
path values, query strings, JSON bodies and forms, sent by a logged-in admin with the
CSRF header, on SQLite and PostgreSQL.  A JSON refusal carries a documented code.
"""
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.protocol import ERROR_CODES
from tests.fuzz.strategies import FIELDS, hostile_text, json_values, payloads
from tests.fuzz.test_fuzz_protocol import row_counts
from tests.helpers import login, make_user

SKIP_METHODS = {"HEAD", "OPTIONS"}
#: Starts a half-minute training in a child process that outlives the request (and the
#: fuzz app); tests/kefu/test_studio_models.py drives it, refusals included.
SKIP_RULES = {("/studio/models/train", "POST")}


def endpoints(app) -> list:
    """(rule, method) of every route but static files."""
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static"
                  for method in rule.methods - SKIP_METHODS
                  if (rule.rule, method) not in SKIP_RULES)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


path_values = st.one_of(st.integers(min_value=-5, max_value=2**40).map(str),
                        hostile_text.filter(_encodable).filter(lambda t: "/" not in t and t))
queries = st.dictionaries(st.sampled_from(FIELDS + ["q", "conversation_id", "status"]),
                          hostile_text.filter(_encodable), max_size=3)
bodies = st.one_of(
    st.none(),
    payloads.map(lambda p: ("json", p)),
    st.dictionaries(st.sampled_from(FIELDS + ["email", "password", "remember"]),
                    hostile_text.filter(_encodable), max_size=4).map(lambda f: ("form", f)),
    st.binary(max_size=64).map(lambda b: ("raw", b)),
    json_values.map(lambda p: ("raw", json.dumps(p).encode()[:5000])),
)


@pytest.fixture(scope="module")
def admin(fuzz_app):
    """A logged-in admin's HTTP client and CSRF token (re-logged in after a logout)."""
    _, email, password = make_user(fuzz_app, role="admin")
    http = fuzz_app.test_client()
    state = {"http": http, "csrf": login(http, email, password)}
    state["relogin"] = lambda: state.update(csrf=login(http, email, password))
    return state


def _url(rule: str, values) -> str:
    from urllib.parse import quote

    parts = iter(values)
    return re.sub(r"<[^>]+>", lambda _: quote(next(parts), safe=""), rule)


@given(data=st.data())
def test_every_endpoint_answers_any_input_without_a_500_or_a_half_write(
        fuzz_app, admin, data):
    rule, method = data.draw(st.sampled_from(endpoints(fuzz_app)), label="endpoint")
    url = _url(rule, [data.draw(path_values) for _ in re.findall(r"<[^>]+>", rule)])
    body = data.draw(bodies, label="body")
    kwargs = {"query_string": data.draw(queries, label="query"),
              "headers": {"X-CSRFToken": admin["csrf"]}}
    if body is not None:
        kind, value = body
        kwargs["json" if kind == "json" else "data"] = value
        if kind == "raw":
            kwargs["content_type"] = "application/json"
    before = row_counts(fuzz_app)
    response = admin["http"].open(url, method=method, **kwargs)
    response.close()  # static files are streamed from an open file
    assert response.status_code < 500, (method, url, body, response.get_data()[:300])
    if response.is_json and response.status_code >= 400:
        error = response.get_json()["error"]
        assert error["code"] in ERROR_CODES and error["code"] != "internal_error", error
    if response.status_code >= 400:
        assert row_counts(fuzz_app) == before, (method, url, body, response.status_code)
    if rule.startswith("/auth/"):
        admin["relogin"]()  # a fuzzed login or logout must not end the fuzzing session


def test_the_fuzzed_endpoints_include_the_api(app):
    found = {rule for rule, _ in endpoints(app)}
    assert {"/api/v1/canned", "/api/v1/tickets/<int:ticket_id>/reply",
            "/api/v1/settings/<key>", "/auth/login"} <= found
