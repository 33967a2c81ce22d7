"""Mail through a real SMTP server on loopback: answers to left messages, password links."""
import re

import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Ticket
from tests.helpers import csrf_token, login, make_user, session_of
from tests.kefu.admin_helpers import AdminBrowser
from tests.live import free_port


@pytest.fixture
def mail_app(app_factory, smtp_server):
    """The app sending mail to the test's SMTP server."""
    return app_factory(**smtp_server.config())


def leave_a_message(app, locale="en", email="visitor@example.com"):
    from kefu.extensions import socketio

    sio = socketio.test_client(app, namespace="/visitor", auth={"locale": locale},
                               flask_test_client=app.test_client())
    session = session_of(sio)
    ack = sio.emit("leave_message", {"name": "Lin", "email": email,
                                     "text": "Where is my parcel?\nOrder 4711."},
                   namespace="/visitor", callback=True)
    assert ack["ok"], ack
    sio.disconnect("/visitor")
    return session, ack["ticket"]["id"]


def agent_client(app):
    _, email, password = make_user(app, role="agent")
    http = app.test_client()
    return http, login(http, email, password)


def reply(http, token, ticket_id, text):
    return http.post(f"/api/v1/tickets/{ticket_id}/reply", json={"text": text},
                     headers={"X-CSRFToken": token})


def ticket(app, ticket_id):
    with app.app_context():
        return db.session.get(Ticket, ticket_id)


def link_in(body):
    return re.search(r"(http://\S+/auth/reset/\S+)", body).group(1)


def test_reply_and_close_emails_the_answer_to_the_visitor_in_their_language(mail_app,
                                                                            smtp_server):
    session, ticket_id = leave_a_message(mail_app, locale="zh")
    assert session["email_replies"] is True  # the widget may promise an email
    http, token = agent_client(mail_app)
    assert http.get("/api/v1/tickets").get_json()["email_replies"] is True
    response = reply(http, token, ticket_id, "您的包裹明天到。")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ticket"]["emailed_at"] is not None
    [mail] = smtp_server.wait_for(1)
    assert mail["to"] == ["visitor@example.com"]
    assert mail["from"] == "desk@example.com"
    assert mail["subject"] == "回复：您的留言"
    assert "您的包裹明天到。" in mail["body"] and "> Where is my parcel?" in mail["body"]
    assert ticket(mail_app, ticket_id).status == "answered"


def test_a_mail_server_that_is_down_leaves_the_ticket_open_to_try_again(app_factory):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    _, ticket_id = leave_a_message(app)
    http, token = agent_client(app)
    response = reply(http, token, ticket_id, "Tomorrow.")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "mail_failed"
    stored = ticket(app, ticket_id)
    assert (stored.status, stored.reply_text, stored.reply_emailed_at) == ("open", None, None)


def test_without_mail_the_answer_is_stored_and_nobody_promises_an_email(app):
    session, ticket_id = leave_a_message(app)
    assert session["email_replies"] is False
    http, token = agent_client(app)
    assert http.get("/api/v1/tickets").get_json()["email_replies"] is False
    body = reply(http, token, ticket_id, "Tomorrow.").get_json()
    assert body["ticket"]["status"] == "answered" and body["ticket"]["emailed_at"] is None


def forgot(app, email):
    browser = app.test_client()
    return browser.post("/auth/forgot", data={"email": email,
                                              "csrf_token": csrf_token(browser, "/auth/forgot")})


def set_password_by_link(app, link, password):
    browser = app.test_client()
    path = link.split("://", 1)[1].split("/", 1)[1]
    token = csrf_token(browser)  # the browser session's token (a spent link shows no form)
    return browser.post("/" + path, data={"new": password, "repeat": password,
                                          "csrf_token": token})


def test_a_forgotten_password_is_reset_through_an_emailed_link_that_works_once(
        mail_app, smtp_server):
    _, email, old = make_user(mail_app, role="agent")
    response = forgot(mail_app, email.upper())
    assert response.status_code == 200 and "a link to set a new password is on its way" in \
        response.get_data(as_text=True)
    [mail] = smtp_server.wait_for(1)
    assert mail["to"] == [email] and "set a new password" in mail["body"]
    link = link_in(mail["body"])
    done = set_password_by_link(mail_app, link, "a brand new password")
    assert done.status_code == 302
    login(mail_app.test_client(), email, "a brand new password")
    again = set_password_by_link(mail_app, link, "another new password")
    assert again.status_code == 400 and "has been used" in again.get_data(as_text=True)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(mail_app, smtp_server):
    _, email, _ = make_user(mail_app, role="agent")
    known = forgot(mail_app, email).get_data(as_text=True)
    unknown = forgot(mail_app, "nobody@example.com").get_data(as_text=True)
    strip = lambda html: re.sub(r'(value|content)="[^"]+"', "", html)  # noqa: E731  (CSRF)
    assert strip(known) == strip(unknown)
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


def test_an_expired_or_forged_link_is_refused(app_factory, smtp_server):
    app = app_factory(PASSWORD_RESET_MAX_AGE=-1, **smtp_server.config())
    _, email, _ = make_user(app, role="agent")
    forgot(app, email)
    link = link_in(smtp_server.wait_for(1)[0]["body"])
    expired = app.test_client().get("/" + link.split("/", 3)[3])
    assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    forged = app.test_client().get("/auth/reset/not-a-token")
    assert forged.status_code == 400 and "not valid" in forged.get_data(as_text=True)


def test_a_too_short_new_password_is_refused(mail_app, smtp_server):
    _, email, _ = make_user(mail_app, role="agent")
    forgot(mail_app, email)
    link = link_in(smtp_server.wait_for(1)[0]["body"])
    response = set_password_by_link(mail_app, link, "short")
    assert response.status_code == 400 and "10 to 200 characters" in response.get_data(as_text=True)


def test_without_mail_the_forgot_page_says_to_ask_an_admin(client):
    html = client.get("/auth/forgot").get_data(as_text=True)
    assert "Ask an admin to reset it" in html and 'name="email"' not in html


def test_a_new_user_gets_an_emailed_link_instead_of_a_password_on_screen(mail_app,
                                                                        smtp_server):
    admin = AdminBrowser(mail_app)
    response = admin.post("/admin/users/new", {"email": "new@example.com", "name": "新人",
                                               "role": "editor"})
    assert response.status_code == 302
    page = admin.text(admin.get(response.location))
    assert "An email to set a password went to new@example.com" in page
    assert "one-time-password" not in page
    [mail] = smtp_server.wait_for(1)
    assert mail["to"] == ["new@example.com"] and "新人" in mail["body"]
    assert set_password_by_link(mail_app, link_in(mail["body"]),
                                "my very own password").status_code == 302
    login(mail_app.test_client(), "new@example.com", "my very own password")


def test_an_admin_reset_emails_a_link_and_ends_the_users_sessions(mail_app, smtp_server):
    admin = AdminBrowser(mail_app)
    user_id, email, password = make_user(mail_app, role="agent")
    browser = mail_app.test_client()
    login(browser, email, password)
    response = admin.post(f"/admin/users/{user_id}/reset-password")
    assert response.status_code == 302
    assert browser.get("/agent/").status_code == 302  # logged out at once
    [mail] = smtp_server.wait_for(1)
    assert mail["to"] == [email]
    assert set_password_by_link(mail_app, link_in(mail["body"]),
                                "chosen after reset").status_code == 302
    with mail_app.app_context():
        from kefu.models import AuditEntry

        hows = [e.new_value for e in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "user.password_reset"))]
    assert hows == [{"how": "reset_link"}, {"how": "reset_link"}]


def test_two_agents_answering_at_once_send_one_email(mail_app, smtp_server):
    import threading

    _, ticket_id = leave_a_message(mail_app)
    agents = [agent_client(mail_app) for _ in range(4)]
    start = threading.Barrier(len(agents))
    codes = []

    def answer(http, token):
        start.wait()
        codes.append(reply(http, token, ticket_id, "Tomorrow.").status_code)

    threads = [threading.Thread(target=answer, args=a) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [200, 409, 409, 409]
    smtp_server.wait_for(1)
    import time

    time.sleep(0.3)
    assert len(smtp_server.messages) == 1
