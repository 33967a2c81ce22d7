"""Login sessions live on the server: every way out ends every copy of the cookie.

A copied cookie (stolen, or left in another browser) is the case that matters: logout,
a password change, "log out everywhere" and deactivation must end it at once, on HTTP,
on a new /agent connection and on the next event of a socket that is already open.
"""
import pytest

from tests.helpers import csrf_token, login, make_user

PASSWORD = "correct horse battery"


def copy_of(app, browser):
    """A second client carrying the same cookies, as a thief's copy would."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = browser.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def agent_socket(app, http):
    from kefu.extensions import socketio

    return socketio.test_client(app, namespace="/agent", flask_test_client=http)


def assert_refused_everywhere(app, thief, open_socket):
    """The copy no longer opens pages, new sockets or events of its open socket."""
    assert thief.get("/agent/").status_code == 302  # back to the login form
    assert thief.get("/api/v1/canned").status_code == 401
    assert not agent_socket(app, thief).is_connected("/agent")
    if open_socket.is_connected("/agent"):
        ack = open_socket.emit("presence", {"status": "away"}, namespace="/agent",
                               callback=True)
        assert ack["ok"] is False and ack["error"]["code"] == "session_revoked", ack


@pytest.fixture
def agent(app):
    _, email, password = make_user(app, role="agent", password=PASSWORD)
    browser = app.test_client()
    token = login(browser, email, password)
    return {"email": email, "browser": browser, "csrf": token}


def test_a_cookie_copied_before_logout_is_refused_after_it(app, agent):
    thief = copy_of(app, agent["browser"])
    assert thief.get("/agent/").status_code == 200  # the copy works while the login lives
    sock = agent_socket(app, thief)
    assert sock.is_connected("/agent")
    agent["browser"].post("/auth/logout", data={"csrf_token": agent["csrf"]})
    assert not sock.is_connected("/agent")  # cut at once, not at the next event
    assert_refused_everywhere(app, thief, sock)


def test_a_copied_remember_me_cookie_dies_with_the_login_too(app):
    _, email, password = make_user(app, role="agent", password=PASSWORD)
    browser = app.test_client()
    response = browser.post("/auth/login", data={"email": email, "password": password,
                                                 "remember": "y",
                                                 "csrf_token": csrf_token(browser)})
    assert response.status_code == 302
    copied = browser.get_cookie("remember_token").value

    def with_only_the_remember_cookie():  # as after a browser restart
        client = app.test_client()
        client.set_cookie("remember_token", copied)
        return client

    assert with_only_the_remember_cookie().get("/agent/").status_code == 200
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/agent/")})
    assert with_only_the_remember_cookie().get("/agent/").status_code == 302


def test_a_revoked_login_is_refused_on_the_next_event_even_if_no_broadcast_came(app, agent):
    from kefu.extensions import db
    from kefu.models import LoginSession, utcnow

    sock = agent_socket(app, agent["browser"])
    assert sock.is_connected("/agent")
    with app.app_context():  # as another process (or the CLI) would: only the row changes
        for login_session in db.session.query(LoginSession).all():
            login_session.revoked_at = utcnow()
        db.session.commit()
    ack = sock.emit("presence", {"status": "away"}, namespace="/agent", callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "session_revoked"


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, agent):
    other_browser = app.test_client()
    login(other_browser, agent["email"], PASSWORD)
    thief = copy_of(app, agent["browser"])
    sock = agent_socket(app, other_browser)
    response = agent["browser"].post("/auth/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase",
        "csrf_token": csrf_token(agent["browser"], "/auth/password")})
    assert response.status_code == 302
    assert agent["browser"].get("/agent/").status_code == 200  # this browser got a new login
    assert other_browser.get("/agent/").status_code == 302
    assert not sock.is_connected("/agent")
    assert_refused_everywhere(app, thief, sock)
    fresh = app.test_client()
    login(fresh, agent["email"], "a brand new passphrase")


def test_a_wrong_current_password_changes_nothing(app, agent):
    response = agent["browser"].post("/auth/password", data={
        "current": "not it at all", "new": "a brand new passphrase",
        "repeat": "a brand new passphrase",
        "csrf_token": csrf_token(agent["browser"], "/auth/password")})
    assert response.status_code == 400
    assert "current password is wrong" in response.get_data(as_text=True)
    assert agent["browser"].get("/agent/").status_code == 200
    login(app.test_client(), agent["email"], PASSWORD)


def test_the_password_form_needs_its_csrf_token(app, agent):
    response = agent["browser"].post("/auth/password", data={
        "current": PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase"})
    assert response.status_code == 400
    login(app.test_client(), agent["email"], PASSWORD)  # the old password still works


def test_log_out_everywhere_ends_every_browser_of_the_user(app, agent):
    other_browser = app.test_client()
    login(other_browser, agent["email"], PASSWORD)
    sock = agent_socket(app, other_browser)
    assert sock.is_connected("/agent")
    response = agent["browser"].post("/auth/logout-everywhere",
                                     data={"csrf_token": agent["csrf"]})
    assert response.status_code == 302
    for browser in (agent["browser"], other_browser):
        assert browser.get("/agent/").status_code == 302
    assert not sock.is_connected("/agent")


def test_deactivating_a_user_ends_their_sessions(app, agent, runner):
    thief = copy_of(app, agent["browser"])
    sock = agent_socket(app, thief)
    result = runner.invoke(args=["deactivate-user", agent["email"]])
    assert result.exit_code == 0, result.output
    assert "Deactivated" in result.output
    assert not sock.is_connected("/agent")
    assert_refused_everywhere(app, thief, sock)
    assert agent["browser"].get("/agent/").status_code == 302


def test_set_password_from_the_cli_ends_sessions_and_the_new_password_works(app, agent, runner):
    result = runner.invoke(args=["set-password", agent["email"], "--password",
                                 "set by the admin 123"])
    assert result.exit_code == 0, result.output
    assert agent["browser"].get("/agent/").status_code == 302
    login(app.test_client(), agent["email"], "set by the admin 123")


def test_logging_out_of_one_browser_keeps_the_others(app, agent):
    other_browser = app.test_client()
    login(other_browser, agent["email"], PASSWORD)
    agent["browser"].post("/auth/logout", data={"csrf_token": agent["csrf"]})
    assert other_browser.get("/agent/").status_code == 200


def test_failed_logins_from_many_addresses_lock_the_account_only_for_the_window(app_factory):
    import time

    app = app_factory(TRUSTED_PROXIES=1, LOGIN_ACCOUNT_RATE_LIMIT="3 per 2 seconds",
                      LOGIN_RATE_LIMIT="1000 per minute")
    _, email, password = make_user(app, role="agent", password=PASSWORD)
    attacker = app.test_client()

    def attempt(client, secret, address):
        return client.post("/auth/login", headers={"X-Forwarded-For": address}, data={
            "email": email, "password": secret, "csrf_token": csrf_token(client)})

    for i in range(3):  # a new address every time: the per-address limit never trips
        response = attempt(attacker, f"guess {i}", f"203.0.113.{i}")
        assert response.status_code == 400
        assert "Wrong email or password" in response.get_data(as_text=True)
    locked = attempt(attacker, "guess 4", "203.0.113.99")
    assert locked.status_code == 429
    real_user = app.test_client()
    assert attempt(real_user, password, "198.51.100.7").status_code == 429  # locked for now
    time.sleep(2.2)  # the window passes: the real user gets in
    assert attempt(real_user, password, "198.51.100.7").status_code == 302


def test_signing_in_often_never_locks_the_account_but_guesses_after_it_still_count(app_factory):
    """A success forgives the attempts before it; the guesses that follow start from zero."""
    app = app_factory(LOGIN_ACCOUNT_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    _, email, password = make_user(app, role="agent", password=PASSWORD)

    def attempt(secret):
        client = app.test_client()
        return client.post("/auth/login", data={
            "email": email, "password": secret, "csrf_token": csrf_token(client)}).status_code

    assert [attempt(password) for _ in range(6)] == [302] * 6  # twice the limit, all in
    assert [attempt("wrong"), attempt(password)] == [400, 302]
    assert [attempt("wrong") for _ in range(4)] == [400, 400, 400, 429]
    assert attempt(password) == 429  # locked until the window passes


def test_an_unknown_email_is_limited_like_a_real_one(app_factory):
    """The lock must not tell an attacker which emails have accounts."""
    app = app_factory(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    client = app.test_client()
    codes = [client.post("/auth/login", data={
        "email": "nobody@example.com", "password": "x", "csrf_token": csrf_token(client)}
    ).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
