"""The login page speaks Chinese or English, its rate-limit answers too, and it still never
says which of email or password was wrong."""
import re

from kefu import pages_i18n
from tests.helpers import csrf_token, make_user


def post_login(client, email, password, **headers):
    return client.post("/auth/login", headers=headers, data={
        "email": email, "password": password, "csrf_token": csrf_token(client)})


def without_tokens(html):
    return re.sub(r'(value|content)="[^"]+"', "", html)


def test_every_staff_page_text_exists_in_both_languages():
    assert pages_i18n.missing_keys() == {"zh": [], "en": []}


def test_the_page_follows_the_browsers_language(client):
    zh = client.get("/auth/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    html = zh.get_data(as_text=True)
    assert '<html lang="zh">' in html and "登录 kefu" in html and ">邮箱<" in html
    assert "css/auth.css" in html  # the styled page
    en = client.get("/auth/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en">' in en and "Log in to kefu" in en and ">Password<" in en


def test_the_language_switch_is_remembered(client):
    client.get("/auth/login?lang=zh", headers={"Accept-Language": "en"})
    html = client.get("/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "登录 kefu" in html and 'href="?lang=en"' in html


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer_in_chinese(app, client):
    _, email, _ = make_user(app, role="agent")
    zh = {"Accept-Language": "zh"}
    wrong = post_login(client, email, "wrong password", **zh)
    unknown = post_login(client, "nobody@example.com", "wrong password", **zh)
    assert wrong.status_code == unknown.status_code == 400
    assert "邮箱或密码不正确。" in wrong.get_data(as_text=True)
    assert without_tokens(wrong.get_data(as_text=True)).replace(email, "") == \
        without_tokens(unknown.get_data(as_text=True)).replace("nobody@example.com", "")


def test_empty_fields_are_named_in_the_pages_language(client):
    response = post_login(client, "", "", **{"Accept-Language": "zh"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count("请填写此项。") == 2


def test_the_per_address_limit_answers_on_the_styled_page_in_both_languages(app_factory):
    app = app_factory(LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for _ in range(2):
        post_login(client, "a@example.com", "x")
    zh = post_login(client, "a@example.com", "x", **{"Accept-Language": "zh"})
    assert zh.status_code == 429
    html = zh.get_data(as_text=True)
    assert "此网络的登录尝试过多" in html and "css/auth.css" in html
    en = post_login(client, "a@example.com", "x", **{"Accept-Language": "en"})
    assert en.status_code == 429 and "Too many login attempts from this network" in \
        en.get_data(as_text=True)


def test_the_per_account_lock_is_said_in_chinese_and_a_success_still_forgives(app_factory):
    app = app_factory(LOGIN_ACCOUNT_RATE_LIMIT="2 per minute", LOGIN_RATE_LIMIT="1000 per minute")
    _, email, password = make_user(app, role="agent")
    fresh = app.test_client
    assert post_login(fresh(), email, "wrong").status_code == 400
    assert post_login(fresh(), email, password).status_code == 302  # forgives the miss
    assert post_login(fresh(), email, "wrong").status_code == 400
    assert post_login(fresh(), email, "wrong").status_code == 400
    locked = post_login(fresh(), email, "wrong", **{"Accept-Language": "zh"})
    assert locked.status_code == 429
    assert "该账号登录失败次数过多" in locked.get_data(as_text=True)
