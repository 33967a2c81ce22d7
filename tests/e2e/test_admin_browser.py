"""An admin, on screen: logs in, creates a user, changes a setting, reads the audit log.

With KEFU_SCREENSHOTS=1 the test also refreshes the admin screenshots in docs/screenshots/.
"""
import os
import re
from pathlib import Path

import pytest

from tests.e2e.pages import log_in, new_agent, open_widget

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name):
    """Refresh docs/screenshots/<name>.png when asked to (KEFU_SCREENSHOTS=1)."""
    if os.environ.get("KEFU_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_login_page_is_styled_in_both_languages(browser, live_server):
    for lang, locale, heading in (("zh", "zh-CN", "登录 kefu"), ("en", "en-US", "Log in to kefu")):
        context = browser.new_context(locale=locale, viewport={"width": 900, "height": 640})
        page = context.new_page()
        page.goto(live_server.url + "/auth/login")
        assert page.locator("h1").inner_text() == heading
        card = page.locator(".auth-card")
        assert card.evaluate("e => getComputedStyle(e).borderRadius") == "14px"
        page.fill("input[name=email]", "nobody@example.com")
        page.fill("input[name=password]", "wrong password")
        page.click("button[type=submit]")
        flash = page.locator(".flashes li.error")
        assert flash.inner_text() == ("邮箱或密码不正确。" if lang == "zh" else
                                      "Wrong email or password.")
        screenshot(page, f"login-{lang}")
        context.close()


def test_an_admin_creates_a_user_and_changes_a_setting(browser, live_server):
    email, password = new_agent(live_server, name="Boss", role="admin")
    context = browser.new_context(locale="en-US", viewport={"width": 1200, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, email, password)
    page.wait_for_url(re.compile(r".*/agent/$"))
    page.goto(live_server.url + "/admin/users")
    page.locator("[data-role=new-user]").click()

    page.fill("input[name=email]", "not an email")
    page.fill("input[name=name]", "小李")
    page.select_option("select[name=role]", "editor")
    page.click("[data-role=user-form] button[type=submit]")
    assert "does not look like an email" in page.locator(".field.has-error").inner_text()
    page.fill("input[name=email]", "li.editor@example.com")
    page.click("[data-role=user-form] button[type=submit]")
    one_time = page.locator("[data-role=one-time-password]").inner_text()
    assert len(one_time) >= 12
    screenshot(page, "admin-one-time-password")

    page.goto(live_server.url + "/admin/users")
    row = page.locator("[data-role=users] tr", has_text="li.editor@example.com")
    assert "Editor" in row.inner_text()
    screenshot(page, "admin-users")

    # The new editor logs in with the password shown once.
    other = browser.new_context(locale="zh-CN").new_page()
    log_in(other, live_server.url, "li.editor@example.com", one_time)
    other.wait_for_url(live_server.url + "/studio/")  # editors land in the FAQ studio
    other.context.close()

    page.goto(live_server.url + "/admin/settings")
    page.fill("textarea[name=welcome_en]", "Hello from the admin page!")
    page.fill("textarea[name=questions_en]", "How much is shipping?\nCan I return it?")
    page.fill("input[name=max_chats]", "0")
    page.click("[data-role=save-settings]")
    assert "between 1 and 100" in page.locator("[data-error-for=max_chats_per_agent]").inner_text()
    screenshot(page, "admin-settings-error")
    page.fill("input[name=max_chats]", "4")
    page.click("[data-role=save-settings]")
    assert "Settings saved" in page.locator(".flashes li.info").inner_text()
    assert page.locator("input[name=max_chats]").input_value() == "4"
    screenshot(page, "admin-settings")

    # A visitor's widget greets with the new text at once, with the suggested questions.
    shop = browser.new_context(locale="en-US").new_page()
    open_widget(shop, live_server.url)
    greeting = shop.locator(".msg.bot").first
    assert "Hello from the admin page!" in greeting.inner_text()
    assert greeting.locator(".chip").all_inner_texts() == ["How much is shipping?",
                                                          "Can I return it?"]
    shop.context.close()

    page.goto(live_server.url + "/admin/audit")
    actions = page.locator("[data-role=audit] tr[data-action]")
    assert actions.count() >= 4
    texts = page.locator("[data-role=audit]").inner_text()
    assert "Created user" in texts and "Changed setting" in texts and email in texts
    page.goto(live_server.url + "/admin/audit?lang=zh")
    assert "修改设置" in page.locator("[data-role=audit]").inner_text()
    screenshot(page, "admin-audit-zh")
    page.goto(live_server.url + "/admin/settings?lang=zh")
    screenshot(page, "admin-settings-zh")
    context.close()
