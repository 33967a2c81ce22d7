"""Security rules that cut across areas: body limits, headers, cookies, floods, origins."""
import pytest

from tests.helpers import ack_error, csrf_token, login, make_user, send, session_of

EVIL = "<img src=x onerror=alert(1)>"


def test_a_huge_api_body_is_refused_with_a_json_413(desk):
    agent = desk()
    response = agent.http.post("/api/v1/tickets/1/reply", json={"text": "x" * 2_000_000},
                               headers={"X-CSRFToken": agent.csrf})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


@pytest.mark.parametrize("path", ["/auth/login", "/agent/", "/"])
def test_html_pages_send_security_headers(desk, path):
    agent = desk(connect=False)
    response = agent.http.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_json_and_scripts_are_nosniff_too(desk):
    agent = desk(connect=False)
    assert agent.http.get("/api/v1/tickets").headers["X-Content-Type-Options"] == "nosniff"
    with agent.http.get("/widget.js") as script:
        assert script.headers["X-Content-Type-Options"] == "nosniff"


def test_session_and_remember_cookies_are_httponly_and_samesite(app):
    _, email, password = make_user(app)
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": password,
                                                "remember": "y",
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]


def test_secure_cookies_are_switched_on_from_the_environment(app_factory, monkeypatch):
    monkeypatch.setenv("KEFU_SESSION_COOKIE_SECURE", "true")
    app = app_factory()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_leaving_messages_is_rate_limited_per_visitor(app_factory):
    from kefu.extensions import socketio

    app = app_factory(VISITOR_TICKET_RATE_LIMIT="2 per hour")
    vis = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
    acks = [vis.emit("leave_message", {"name": "A", "email": "a@b.co", "text": f"t{i}"},
                     namespace="/visitor", callback=True) for i in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False]
    assert ack_error(acks[-1]) == "rate_limited"
    assert vis.is_connected("/visitor")


def test_leaving_messages_is_rate_limited_per_address_across_new_identities(app_factory):
    from kefu.extensions import socketio

    app = app_factory(VISITOR_TICKET_ADDRESS_RATE_LIMIT="2 per hour")
    acks = []
    for i in range(3):  # a script that drops its token gets a new visitor every time
        vis = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
        acks.append(vis.emit("leave_message", {"name": "A", "email": "a@b.co", "text": "t"},
                             namespace="/visitor", callback=True))
    assert [a["ok"] for a in acks] == [True, True, False]


def test_a_forged_x_forwarded_for_does_not_escape_the_connect_limit(app_factory):
    from kefu.extensions import socketio

    app = app_factory(VISITOR_CONNECT_RATE_LIMIT="2 per minute")
    connected = [socketio.test_client(app, namespace="/visitor", auth={"locale": "en"},
                                      headers={"X-Forwarded-For": f"10.0.0.{i}"})
                 .is_connected("/visitor") for i in range(3)]
    assert connected == [True, True, False]


def test_behind_a_trusted_proxy_its_forwarded_address_counts(app_factory):
    from kefu.extensions import socketio

    app = app_factory(VISITOR_CONNECT_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    connected = [socketio.test_client(app, namespace="/visitor", auth={"locale": "en"},
                                      headers={"X-Forwarded-For": f"10.0.0.{i % 2}"})
                 .is_connected("/visitor") for i in range(5)]
    assert connected == [True, True, True, True, False]


@pytest.mark.parametrize("trusted, scheme", [(0, "http"), (1, "https")])
def test_the_forwarded_scheme_counts_only_behind_a_trusted_proxy(app_factory, trusted, scheme):
    from flask import request, url_for

    app = app_factory(TRUSTED_PROXIES=trusted)
    with app.test_client() as http:  # keeps the request context of the last request
        http.get("/healthz", headers={"X-Forwarded-Proto": "https"})
        assert request.scheme == scheme
        assert url_for("auth.login", _external=True).startswith(f"{scheme}://")


def test_the_agent_socket_refuses_a_page_from_another_origin(app):
    """Cross-site WebSocket hijacking: a foreign page must not ride the agent's cookie."""
    from kefu.extensions import socketio

    _, email, password = make_user(app)
    http = app.test_client()
    login(http, email, password)
    foreign = socketio.test_client(app, namespace="/agent", flask_test_client=http,
                                   headers={"Origin": "https://evil.example"})
    assert not foreign.is_connected("/agent")
    own = socketio.test_client(app, namespace="/agent", flask_test_client=http,
                               headers={"Origin": "http://localhost"})
    assert own.is_connected("/agent")
    own.disconnect("/agent")


def test_the_agent_socket_accepts_configured_extra_origins(app_factory):
    from kefu.extensions import socketio

    app = app_factory(AGENT_ALLOWED_ORIGINS=["https://desk.example.com"])
    _, email, password = make_user(app)
    http = app.test_client()
    login(http, email, password)
    sio = socketio.test_client(app, namespace="/agent", flask_test_client=http,
                               headers={"Origin": "https://desk.example.com"})
    assert sio.is_connected("/agent")
    sio.disconnect("/agent")


def test_logging_out_cuts_that_browsers_agent_socket(desk):
    agent = desk()
    assert agent.call("presence", {"status": "online"})["ok"] is True
    response = agent.http.post("/auth/logout", data={"csrf_token": agent.csrf})
    assert response.status_code == 302
    assert not agent.sio.is_connected("/agent")


def test_logging_out_leaves_the_same_agents_other_browsers_connected(app, desk):
    from kefu.extensions import socketio

    agent = desk()
    other_browser = app.test_client()
    login(other_browser, agent.email, "correct horse battery")
    other = socketio.test_client(app, namespace="/agent", flask_test_client=other_browser)
    assert other.is_connected("/agent")
    agent.http.post("/auth/logout", data={"csrf_token": agent.csrf})
    assert other.is_connected("/agent")
    assert other.emit("presence", {"status": "away"}, namespace="/agent",
                      callback=True)["ok"] is True
    other.disconnect("/agent")


def test_an_infinite_business_hours_day_is_a_clear_400(desk):
    admin = desk(role="admin", connect=False)
    body = '{"value": {"tz": "UTC", "days": [Infinity], "start": "09:00", "end": "17:00"}}'
    response = admin.http.put("/api/v1/settings/business_hours", data=body,
                              content_type="application/json",
                              headers={"X-CSRFToken": admin.csrf})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_business_hours"


def test_the_search_query_is_bounded_by_the_database(app, desk):
    """A one-letter search must not load every matching message into memory."""
    from sqlalchemy import event

    from kefu.extensions import db

    agent = desk(connect=False)
    statements = []

    def record(conn, cursor, statement, *args):
        if "messages" in statement and "LIKE" in statement.upper():
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert agent.http.get("/api/v1/conversations/search?q=a").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements and all("LIMIT" in s.upper() for s in statements), statements


def test_searches_are_rate_limited_per_user(app_factory):
    app = app_factory(SEARCH_RATE_LIMIT="2 per minute")
    _, email, password = make_user(app)
    http = app.test_client()
    login(http, email, password)
    codes = [http.get("/api/v1/conversations/search?q=hi").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = http.get("/api/v1/conversations/search?q=hi")
    assert response.get_json()["error"]["code"] == "rate_limited"


VISITOR_EVENTS = ["message", "request_human", "cancel_handoff", "typing", "read", "rate",
                  "leave_message"]


@pytest.mark.parametrize("event", VISITOR_EVENTS)
@pytest.mark.parametrize("payload", ["text", ["a", "list"], 42, True])
def test_bad_visitor_payloads_of_every_event_get_an_error_ack(visitor, event, payload):
    vis = visitor()
    session_of(vis)
    ack = vis.emit(event, payload, namespace="/visitor", callback=True)
    assert ack["ok"] is False and ack["error"]["code"] != "internal_error", ack
    assert vis.is_connected("/visitor")
    assert send(vis, "still here")["ok"] is True


def test_visitor_strings_reach_agents_verbatim_for_escaping_at_display(visitor, desk):
    """Name, email, page and ticket text stay plain text; the clients escape them."""
    vis = visitor(page={"url": "javascript:alert(1)", "title": EVIL})
    session_of(vis)
    send(vis, EVIL)
    ticket = vis.emit("leave_message", {"name": EVIL, "email": "a@b.co", "text": EVIL},
                      namespace="/visitor", callback=True)
    assert ticket["ok"] is True
    agent = desk()
    tickets = agent.http.get("/api/v1/tickets").get_json()["tickets"]
    assert tickets[0]["name"] == EVIL and tickets[0]["text"] == EVIL


@pytest.mark.parametrize("event, payload", [
    ("typing", {"typing": True}),
    ("read", {"message_id": 1}),
    ("request_human", {}),
    ("cancel_handoff", {}),
    ("vote", {"message_id": 1, "helpful": True}),
])
def test_cheap_visitor_events_are_rate_limited_too(app_factory, event, payload):
    from kefu.extensions import socketio

    app = app_factory(VISITOR_EVENT_RATE_LIMIT="3 per minute")
    sio = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
    acks = [sio.emit(event, payload, namespace="/visitor", callback=True) for _ in range(4)]
    assert acks[3] == {"ok": False, "error": {"code": "rate_limited",
                                              "message": acks[3]["error"]["message"]}}
    assert sio.is_connected("/visitor")
