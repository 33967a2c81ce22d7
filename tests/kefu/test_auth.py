"""Logging in: passwords, deactivated accounts, CSRF, rate limits, safe redirects."""
from tests.helpers import csrf_token, login, make_user


def post_login(client, email, password, token=None, next_url=None):
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password,
                                  "csrf_token": token or csrf_token(client)})


def test_right_password_logs_in_and_wrong_one_does_not(app, client):
    _, email, password = make_user(app, role="agent")
    assert post_login(client, email, "wrong password").status_code == 400
    assert client.get("/agent/").status_code == 302
    assert post_login(client, email.upper(), password).status_code == 302  # email case-blind
    assert client.get("/agent/").status_code == 200


def test_deactivated_user_cannot_log_in(app, client):
    _, email, password = make_user(app, role="agent", active=False)
    response = post_login(client, email, password)
    assert response.status_code == 400
    assert "deactivated" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(app, client):
    _, email, password = make_user(app, role="agent")
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 400
    assert client.get("/agent/").status_code == 302


def test_logins_are_rate_limited_per_address(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    _, email, password = make_user(app, role="agent")
    codes = [post_login(client, email, "nope").status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    assert post_login(client, email, password).status_code == 429  # even the right password


def test_login_never_redirects_off_site(app, client):
    _, email, password = make_user(app, role="agent")
    response = post_login(client, email, password, next_url="//evil.example/x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/agent/"


def test_logout_needs_a_post_with_csrf_token(app, client):
    _, email, password = make_user(app, role="agent")
    token = login(client, email, password)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no token
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/agent/").status_code == 302
