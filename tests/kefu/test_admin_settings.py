"""/admin/settings: every field validated with clear errors, applied in every process."""
import re

import pytest
from sqlalchemy import event, select

from kefu.extensions import db, socketio
from kefu.models import AuditEntry
from tests.helpers import session_of
from tests.kefu.admin_helpers import AdminBrowser

VALID = {"welcome_zh": "欢迎光临小店！", "welcome_en": "Welcome to the shop!",
         "questions_zh": "运费多少？\n多久发货？", "questions_en": "How much is shipping?\nWhen do you ship?",
         "origins": "https://shop.example.com\nhttps://m.example.com:8443/",
         "csat_zh": "您对本次服务满意吗？", "csat_en": "Happy with our help?",
         "hours_on": "y", "tz": "Asia/Shanghai", "start": "09:00", "end": "18:00",
         "days": ["0", "1", "2", "3", "4"], "auto_assign": "y", "max_chats": "3",
         "default_wait": "90",
         # The bot's policy and the lifecycle (answer_waiting unticked: off).
         "misses": "3", "suggest_min": "0.2", "offtopic": "0,8", "abandon_after": "600",
         "idle_close_after": "1800", "sticky_agent": "0"}
LIFECYCLE = {"abandon_after_seconds": 600, "idle_close_after_seconds": 1800,
             "sticky_agent_seconds": 0}


@pytest.fixture
def admin(app):
    return AdminBrowser(app)


def stored(app):
    with app.app_context():
        from kefu.services import settings

        return settings.all_settings()


def test_the_page_shows_the_stored_settings_and_says_mail_is_off(admin):
    html = admin.text(admin.get("/admin/settings"))
    assert 'name="max_chats"' in html and 'value="5"' in html
    assert "No mail is configured" in html


def test_saving_valid_settings_stores_every_field_and_audits_each_change(app, admin):
    before = stored(app)
    response = admin.post("/admin/settings", VALID)
    assert response.status_code == 302, admin.text(response)[:2000]
    values = stored(app)
    assert values["welcome_message"] == {"zh": "欢迎光临小店！", "en": "Welcome to the shop!"}
    assert values["suggested_questions"]["en"] == ["How much is shipping?", "When do you ship?"]
    assert values["widget_origins"] == ["https://shop.example.com", "https://m.example.com:8443"]
    assert values["business_hours"] == {"tz": "Asia/Shanghai", "days": [0, 1, 2, 3, 4],
                                        "start": "09:00", "end": "18:00"}
    assert (values["auto_assign"], values["max_chats_per_agent"],
            values["default_wait_seconds"]) == (True, 3, 90)
    assert values["csat_question"]["en"] == "Happy with our help?"
    with app.app_context():
        log = {e.target_id: (e.old_value, e.new_value, e.actor_label)
               for e in db.session.scalars(select(AuditEntry).where(
                   AuditEntry.action == "setting.update"))}
    assert log["max_chats_per_agent"] == ({"value": 5}, {"value": 3}, admin.email)
    assert log["auto_assign"] == ({"value": False}, {"value": True}, admin.email)
    assert (values["clarify_misses_before_handoff"], values["clarify_suggest_min_confidence"],
            values["offtopic_threshold"], values["answer_while_waiting"]) == (3, 0.2, 0.8, False)
    assert {key: values[key] for key in LIFECYCLE} == LIFECYCLE
    changed = 8 + 4 + sum(before[key] != value for key, value in LIFECYCLE.items())
    assert len(log) == changed
    assert log["offtopic_threshold"] == ({"value": 0.7}, {"value": 0.8}, admin.email)
    again = admin.post("/admin/settings", VALID)  # nothing changed: nothing logged
    assert again.status_code == 302
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(
            action="setting.update").count() == changed
    page = admin.text(admin.get("/admin/settings"))  # the form shows what was saved
    assert re.search(r'name="offtopic"[^>]*value="0.8"', page) and 'value="1800"' in page


@pytest.mark.parametrize("changes, key, message", [
    ({"origins": "shop.example.com"}, "widget_origins", "is not an origin"),
    ({"origins": "https://shop.example.com/path"}, "widget_origins", "no path"),
    ({"questions_en": "\n".join(f"q{i}" for i in range(7))}, "suggested_questions",
     "At most 6 suggested questions"),
    ({"questions_zh": "同一个\n同一个"}, "suggested_questions", "appears twice"),
    ({"welcome_en": "x" * 501}, "welcome_message", "longer than 500"),
    ({"csat_zh": "问" * 201}, "csat_question", "longer than 200"),
    ({"tz": "Mars/Olympus"}, "business_hours", "time zone"),
    ({"start": "25:00"}, "business_hours", "HH:MM"),
    ({"start": "09:00", "end": "09:00"}, "business_hours", "different times"),
    ({"max_chats": "many"}, "max_chats_per_agent", "whole number"),
    ({"max_chats": "0"}, "max_chats_per_agent", "between 1 and 100"),
    ({"default_wait": "-5"}, "default_wait_seconds", "between 1 and 100000"),
    ({"misses": "0"}, "clarify_misses_before_handoff", "from 1 to 10"),
    ({"suggest_min": "high"}, "clarify_suggest_min_confidence", "from 0 to 1"),
    ({"offtopic": "1.5"}, "offtopic_threshold", "from 0 to 1"),
    ({"abandon_after": "soon"}, "abandon_after_seconds", "whole number of seconds"),
])
def test_a_bad_field_is_refused_with_its_reason_and_nothing_is_saved(app, admin, changes,
                                                                      key, message):
    before = stored(app)
    response = admin.post("/admin/settings", {**VALID, **changes})
    assert response.status_code == 400
    html = admin.text(response)
    assert f'data-error-for="{key}"' in html and message in html, html[-3000:]
    assert stored(app) == before


def test_every_bad_field_is_reported_at_once_in_chinese_on_a_chinese_page(app):
    admin = AdminBrowser(app, accept_language="zh-CN")
    response = admin.post("/admin/settings", {**VALID, "origins": "ftp://x", "max_chats": "0",
                                              "tz": "Nowhere/Land"})
    html = admin.text(response)
    assert response.status_code == 400 and "有 3 项需要修改" in html
    assert "不是有效的来源" in html and "必须在 1 到 100 之间" in html and "时区" in html


def test_the_widget_greets_suggests_and_asks_with_the_saved_texts(app, admin, visitor):
    admin.post("/admin/settings", {**VALID, "hours_on": ""})
    zh = session_of(visitor(locale="zh"))
    assert zh["greeting"] == "欢迎光临小店！"
    assert zh["suggested_questions"] == ["运费多少？", "多久发货？"]
    assert zh["csat_question"] == "您对本次服务满意吗？"
    assert zh["email_replies"] is False
    en = session_of(visitor(locale="en"))
    assert (en["greeting"], en["csat_question"]) == ("Welcome to the shop!", "Happy with our help?")


def test_an_empty_welcome_message_means_kefus_own_greeting(app, visitor):
    from kefu import i18n

    assert session_of(visitor(locale="en"))["greeting"] == i18n.text("greeting", "en")


def test_only_the_allowed_sites_and_kefus_own_pages_open_the_widget(app, admin):
    admin.post("/admin/settings", {**VALID, "hours_on": ""})

    def connect(origin):
        sio = socketio.test_client(app, namespace="/visitor", headers={"Origin": origin},
                                   flask_test_client=app.test_client())
        connected = sio.is_connected("/visitor")
        if connected:
            sio.disconnect("/visitor")
        return connected

    assert connect("https://shop.example.com")
    assert connect("https://m.example.com:8443")
    assert connect("http://localhost")  # the server's own pages (the test client's host)
    assert not connect("https://evil.example.net")


def count_queries(app):
    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    return statements


def test_a_second_process_sees_a_change_without_a_restart(app_factory):
    """Two apps on one SQLite file stand for two processes; neither is restarted."""
    writer = app_factory()
    reader = app_factory(SETTINGS_CHECK_SECONDS=0)
    with reader.app_context():
        from kefu.services import settings

        assert settings.get("max_chats_per_agent") == 5
    admin = AdminBrowser(writer)
    assert admin.post("/admin/settings", {**VALID, "max_chats": "7"}).status_code == 302
    with reader.app_context():
        assert settings.get("max_chats_per_agent") == 7
        assert settings.get("welcome_message")["zh"] == "欢迎光临小店！"


def test_settings_are_cached_and_only_their_version_is_read_between_changes(app_factory):
    from kefu.services import settings

    writer = app_factory()
    patient = app_factory(SETTINGS_CHECK_SECONDS=3600)
    eager = app_factory(SETTINGS_CHECK_SECONDS=0)
    for app in (patient, eager):
        with app.app_context():
            settings.get("auto_assign")  # first read: loads them all
    with writer.app_context():
        settings.put("auto_assign", True)
    statements = count_queries(eager)
    with eager.app_context():
        assert settings.get("auto_assign") is True  # version changed: one reload
        reads_after_change = len(statements)
        for _ in range(10):
            settings.get("auto_assign")
    assert len(statements) - reads_after_change == 10  # one version read per call, no more
    assert all(" ".join(s.split()) == 'SELECT settings.value FROM settings WHERE settings."key" = ?'
               for s in statements[reads_after_change:]), statements[reads_after_change:]
    with patient.app_context():
        assert settings.get("auto_assign") is False  # within its interval: the cached copy
