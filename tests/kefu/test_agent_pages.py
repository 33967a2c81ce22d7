"""The workspace page over HTTP: who may open it, and where agents land after login."""
from urllib.parse import parse_qs, urlsplit

from tests.helpers import make_user


def login(client, email, password):
    client.application.config["WTF_CSRF_ENABLED"] = False
    return client.post("/auth/login", data={"email": email, "password": password})


def test_anonymous_visitor_is_sent_to_login_and_back(client):
    response = client.get("/agent/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert urlsplit(parse_qs(location.query)["next"][0]).path == "/agent/"


def test_editor_is_forbidden(app, client):
    _, email, password = make_user(app, role="editor")
    login(client, email, password)
    assert client.get("/agent/").status_code == 403


def test_agent_gets_the_workspace_with_its_script(app, client):
    _, email, password = make_user(app, role="agent", name="小王")
    login(client, email, password)
    response = client.get("/agent/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="workspace"' in html
    assert "dist/kefu-agent.js" in html
    assert 'data-me-name="小王"' in html


def test_admin_gets_the_workspace(app, client):
    _, email, password = make_user(app, role="admin")
    login(client, email, password)
    assert client.get("/agent/").status_code == 200


def test_agent_lands_on_the_workspace_after_login(app, client):
    _, email, password = make_user(app, role="agent")
    response = login(client, email, password)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/agent/"


def test_editor_lands_on_the_studio_not_the_workspace_after_login(app, client):
    _, email, password = make_user(app, role="editor")
    response = login(client, email, password)
    assert urlsplit(response.headers["Location"]).path == "/studio/"


def test_workspace_language_follows_the_browser(app, client):
    _, email, password = make_user(app, role="agent")
    login(client, email, password)
    zh = client.get("/agent/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    en = client.get("/agent/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert 'data-lang="zh"' in zh
    assert 'data-lang="en"' in en


def test_user_names_are_escaped_in_the_page(app, client):
    _, email, password = make_user(app, role="agent", name='<img src=x onerror=alert(1)>')
    login(client, email, password)
    html = client.get("/agent/").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
