"""/admin/audit: who changed what and when, filtered by action, person, target and dates."""
from datetime import datetime, timedelta, timezone

import pytest

from kefu.extensions import db
from kefu.models import AuditEntry
from tests.helpers import make_user
from tests.kefu.admin_helpers import AdminBrowser


@pytest.fixture
def admin(app):
    return AdminBrowser(app)


def rows(html):
    return html.count("<tr data-action=")


def test_the_log_lists_admin_actions_newest_first_with_old_and_new_values(app, admin):
    user_id, _, _ = make_user(app, email="who@example.com", name="Before")
    admin.post(f"/admin/users/{user_id}", {"email": "who@example.com", "name": "After"})
    admin.post(f"/admin/users/{user_id}/role", {"role": "editor"})
    html = admin.text(admin.get("/admin/audit"))
    assert html.index('data-action="user.role"') < html.index('data-action="user.update"')
    assert '"name": "Before"' in html and '"name": "After"' in html
    assert admin.email in html


def test_filters_narrow_the_log(app, admin):
    first, _, _ = make_user(app)
    second, _, _ = make_user(app)
    admin.post(f"/admin/users/{first}/deactivate")
    admin.post(f"/admin/users/{second}/role", {"role": "editor"})
    other = AdminBrowser(app)
    other.post(f"/admin/users/{second}/deactivate")
    by_action = admin.text(admin.get("/admin/audit?action=user.deactivate"))
    assert rows(by_action) == 2
    by_actor = admin.text(admin.get(f"/admin/audit?actor={other.id}"))
    assert rows(by_actor) == 1 and 'data-action="user.deactivate"' in by_actor
    by_target = admin.text(admin.get(f"/admin/audit?target={second}&action="))
    assert rows(by_target) == 3  # created (by the CLI), made editor, deactivated
    assert rows(admin.text(admin.get("/admin/audit?action=no.such.action&actor=abc"))) >= 5


def test_the_date_filter_counts_local_days_of_the_desks_time_zone(app, admin):
    with app.app_context():
        from kefu.services import settings

        settings.put("business_hours", {"tz": "Asia/Shanghai", "days": [0, 1, 2, 3, 4],
                                        "start": "09:00", "end": "18:00"})
        # 2026-03-01 23:30 in Shanghai is 15:30 UTC on the same day; 2026-03-02 00:30 is
        # 16:30 UTC on 2026-03-01, a day earlier in UTC than in Shanghai.
        for hour, minute in ((15, 30), (16, 30)):
            db.session.add(AuditEntry(actor_label="x", action="user.update", target_kind="user",
                                      target_id="1", created_at=datetime(
                                          2026, 3, 1, hour, minute, tzinfo=timezone.utc)))
        db.session.commit()
    march_first = admin.text(admin.get("/admin/audit?from=2026-03-01&to=2026-03-01"))
    march_second = admin.text(admin.get("/admin/audit?from=2026-03-02&to=2026-03-02"))
    assert rows(march_first) == 1 and "15:30" in march_first
    assert rows(march_second) == 1 and "16:30" in march_second
    assert "Asia/Shanghai" in march_first


def test_the_log_pages_back_through_older_entries(app, admin):
    with app.app_context():
        start = datetime.now(timezone.utc) - timedelta(days=1)
        for i in range(130):
            db.session.add(AuditEntry(actor_label="bulk", action="user.update",
                                      target_kind="user", target_id=str(i),
                                      created_at=start + timedelta(seconds=i)))
        db.session.commit()
    html = admin.text(admin.get("/admin/audit?action=user.update"))
    assert rows(html) == 100 and "before=" in html
    import re

    older = re.search(r'href="([^"]*before=\d+[^"]*)"', html).group(1).replace("&amp;", "&")
    assert rows(admin.text(admin.get(older))) == 30


def test_values_in_the_log_are_escaped(app, admin):
    user_id, _, _ = make_user(app, email="x@example.com", name="X")
    admin.post(f"/admin/users/{user_id}", {"email": "x@example.com",
                                           "name": "<script>alert(1)</script>"})
    html = admin.text(admin.get("/admin/audit"))
    assert "<script>alert(1)</script>" not in html and "\\u003cscript\\u003e" in html
