"""/admin users: only admins get in; create, edit, role, deactivate, reactivate, reset."""
import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import AuditEntry, Conversation, ConversationEvent, User
from tests.helpers import login, make_user
from tests.kefu.admin_helpers import AdminBrowser, one_time_password

PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/users/1", "/admin/settings",
         "/admin/audit"]
ACTIONS = ["/admin/users/new", "/admin/users/1", "/admin/users/1/role",
           "/admin/users/1/deactivate", "/admin/users/1/reactivate",
           "/admin/users/1/reset-password", "/admin/settings"]


@pytest.fixture
def admin(app):
    return AdminBrowser(app)


def user_row(app, email):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).first()
        return None if user is None else {"id": user.id, "name": user.name, "role": user.role,
                                          "active": user.active}


def audit_rows(app, *, by_admins=True):
    """The audit log; by default without the test set-up's own ``kefu create-user`` rows."""
    with app.app_context():
        return [(e.actor_label, e.action, e.target_id, e.old_value, e.new_value)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if not (by_admins and e.actor_label == "cli")]


@pytest.mark.parametrize("role", ["agent", "editor"])
def test_agents_and_editors_are_refused_every_admin_page_and_action(app, role):
    other = AdminBrowser(app, role=role)
    for path in PAGES:
        assert other.get(path).status_code == 403, path
    for path in ACTIONS:
        assert other.post(path, {"email": "x@example.com", "name": "X", "role": "admin"}
                          ).status_code == 403, path
    assert user_row(app, "x@example.com") is None
    assert audit_rows(app) == []


def test_visitors_without_a_login_are_sent_to_the_login_form(client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.location, path
    response = client.post("/admin/users/new", data={"email": "x@example.com", "name": "X"})
    assert response.status_code in (302, 400)  # no CSRF token either: never a write


def test_a_deactivated_admin_is_refused(app, admin):
    from tests.helpers import set_active

    set_active(app, admin.id, False)
    assert admin.get("/admin/users").status_code in (302, 403)


def test_an_admin_sees_every_user(app, admin):
    make_user(app, role="editor", email="ed@example.com", name="编辑小李")
    html = admin.text(admin.get("/admin/users"))
    assert "ed@example.com" in html and "编辑小李" in html and admin.email in html


def test_creating_a_user_shows_a_one_time_password_once_that_logs_in(app, admin):
    response = admin.post("/admin/users/new", {"email": "New.Agent@Example.com",
                                               "name": "小王", "role": "agent"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = admin.text(response)
    assert "No mail server is configured" in html  # why the password is on screen
    password = one_time_password(html)
    created = user_row(app, "new.agent@example.com")
    assert created["role"] == "agent" and created["active"]
    login(app.test_client(), "new.agent@example.com", password)
    assert password not in admin.text(admin.get(f"/admin/users/{created['id']}"))
    assert audit_rows(app)[-1] == (admin.email, "user.create", str(created["id"]), None,
                                   {"email": "new.agent@example.com", "name": "小王",
                                    "role": "agent"})


@pytest.mark.parametrize("fields, message", [
    ({"email": "not-an-email", "name": "A"}, "does not look like an email"),
    ({"email": "a@example.com", "name": "   "}, "This field is required"),
    ({"email": "a@example.com", "name": "x" * 121}, "too long"),
    ({"email": "a@example.com", "name": "A", "role": "boss"}, "admin, agent or editor"),
])
def test_creating_a_user_with_bad_fields_says_what_is_wrong(app, admin, fields, message):
    response = admin.post("/admin/users/new", {"role": "agent", **fields})
    assert response.status_code == 400
    assert message in admin.text(response)
    assert user_row(app, "a@example.com") is None


def test_a_duplicate_email_is_refused_in_the_pages_language(app):
    zh_admin = AdminBrowser(app, accept_language="zh-CN,zh;q=0.9")
    response = zh_admin.post("/admin/users/new", {"email": zh_admin.email.upper(),
                                                  "name": "重复", "role": "agent"})
    assert response.status_code == 400
    assert "已有用户使用此邮箱" in zh_admin.text(response)


def test_a_form_without_its_csrf_token_changes_nothing(app, admin):
    response = admin.http.post("/admin/users/new", data={"email": "c@example.com",
                                                         "name": "C", "role": "admin"})
    assert response.status_code == 400
    assert user_row(app, "c@example.com") is None


def test_names_and_emails_are_escaped_on_every_page(app, admin):
    evil = '<img src=x onerror="alert(1)">'
    user_id, _, _ = make_user(app, email="evil@example.com", name=evil)
    for path in ("/admin/users", f"/admin/users/{user_id}"):
        html = admin.text(admin.get(path))
        assert evil not in html and "&lt;img src=x" in html, path


def test_editing_a_profile_stores_it_and_logs_the_old_and_new_values(app, admin):
    user_id, email, _ = make_user(app, email="old@example.com", name="Old")
    response = admin.post(f"/admin/users/{user_id}", {"email": "new@example.com",
                                                      "name": "New"})
    assert response.status_code == 302
    assert user_row(app, "new@example.com")["name"] == "New"
    assert audit_rows(app)[-1] == (admin.email, "user.update", str(user_id),
                                   {"email": "old@example.com", "name": "Old"},
                                   {"email": "new@example.com", "name": "New"})


def test_an_unknown_user_is_a_404_page(admin):
    assert admin.get("/admin/users/999999").status_code == 404


def test_making_an_agent_an_editor_puts_their_chats_back_in_the_queue(app, admin, desk,
                                                                     waiting_visitor):
    agent, colleague = desk(name="Leaving"), desk(name="Staying")
    _, conversation_id = waiting_visitor()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"]
    colleague.events("queue")
    response = admin.post(f"/admin/users/{agent.id}/role", {"role": "editor"})
    assert response.status_code == 302
    with app.app_context():
        chat = db.session.get(Conversation, conversation_id)
        assert (chat.state, chat.assigned_agent_id) == ("waiting", None)
    queues = colleague.events("queue")
    assert queues and conversation_id in [c["id"] for c in queues[-1]["queue"]]
    assert audit_rows(app)[-1][1:] == ("user.role", str(agent.id), {"role": "agent"},
                                       {"role": "editor"})


def test_deactivating_an_agent_ends_their_sessions_and_sockets_and_requeues_their_chats(
        app, admin, desk, waiting_visitor):
    agent, colleague = desk(name="Leaving"), desk(name="Staying")
    _, conversation_id = waiting_visitor()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"]
    colleague.events("queue")
    response = admin.post(f"/admin/users/{agent.id}/deactivate")
    assert response.status_code == 302
    assert "1 chat(s) went back to the queue" in admin.text(admin.get(response.location))
    assert not agent.sio.is_connected("/agent")  # cut at once
    assert agent.http.get("/agent/").status_code == 302  # the browser's login ended
    with app.app_context():
        chat = db.session.get(Conversation, conversation_id)
        assert (chat.state, chat.assigned_agent_id) == ("waiting", None)
        requeued = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.kind == "requeued")).one()
        assert (requeued.reason, requeued.actor_user_id) == ("agent_deactivated", admin.id)
    assert conversation_id in [c["id"] for c in colleague.events("queue")[-1]["queue"]]
    assert user_row(app, agent.email)["active"] is False
    assert audit_rows(app)[-1][1:] == ("user.deactivate", str(agent.id), {"active": True},
                                       {"active": False})


def test_the_cli_deactivates_through_the_same_function(app, runner, desk, waiting_visitor):
    agent = desk(name="Leaving")
    _, conversation_id = waiting_visitor()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"]
    result = runner.invoke(args=["deactivate-user", agent.email])
    assert result.exit_code == 0, result.output
    assert "1 open chat(s) went back to the queue" in result.output
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).state == "waiting"
    assert audit_rows(app, by_admins=False)[-1][:2] == ("cli", "user.deactivate")


def test_an_admin_cannot_deactivate_or_demote_themself_nor_the_last_admin(app, admin):
    assert admin.post(f"/admin/users/{admin.id}/deactivate").status_code == 400
    response = admin.post(f"/admin/users/{admin.id}/role", {"role": "agent"})
    assert response.status_code == 400 and "last active admin" in admin.text(response)
    assert admin.post(f"/admin/users/{admin.id}/reset-password").status_code == 400
    assert user_row(app, admin.email) == {"id": admin.id, "name": "Admin", "role": "admin",
                                          "active": True}


def test_a_reactivated_user_logs_in_again(app, admin):
    user_id, email, password = make_user(app, role="agent")
    admin.post(f"/admin/users/{user_id}/deactivate")
    browser = app.test_client()
    from tests.helpers import csrf_token

    refused = browser.post("/auth/login", data={"email": email, "password": password,
                                                "csrf_token": csrf_token(browser)})
    assert refused.status_code == 400 and "deactivated" in refused.get_data(as_text=True)
    assert admin.post(f"/admin/users/{user_id}/reactivate").status_code == 302
    login(app.test_client(), email, password)
    assert [r[1] for r in audit_rows(app)] == ["user.deactivate", "user.reactivate"]


def test_resetting_a_password_without_mail_shows_a_one_time_password_and_ends_sessions(
        app, admin, desk):
    agent = desk(name="Forgetful")
    response = admin.post(f"/admin/users/{agent.id}/reset-password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = one_time_password(admin.text(response))
    assert not agent.sio.is_connected("/agent")
    assert agent.http.get("/agent/").status_code == 302
    login(app.test_client(), agent.email, password)
    entry = audit_rows(app)[-1]
    assert entry[1:] == ("user.password_reset", str(agent.id), None,
                         {"how": "one_time_password"})
    assert password not in str(audit_rows(app))  # the log never holds a password
