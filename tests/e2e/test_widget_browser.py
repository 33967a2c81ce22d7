"""A visitor in a real browser (Debian chromium through Playwright) on the demo shop."""
import sqlite3

import pytest

pytestmark = pytest.mark.browser


def open_widget(page, url):
    page.goto(url + "/")
    page.locator("[data-kefu=launcher]").click()
    page.locator(".msg.bot").first.wait_for()  # the greeting means: connected, session received


def ask(page, text):
    """Send ``text`` and return the first reply to it (the bot's answer or a system notice)."""
    replies = page.locator(".msg.bot, .msg.system")
    before = replies.count()
    page.locator("[data-kefu=input]").fill(text)
    page.locator("[data-kefu=send]").click()
    replies.nth(before).wait_for()
    return replies.nth(before)


def test_visitor_asks_in_chinese_and_english_and_gets_both_answers(browser, live_server):
    page = browser.new_page(locale="zh-CN")
    open_widget(page, live_server.url)
    assert "您好" in page.locator(".msg.bot").first.inner_text()
    zh = ask(page, "什么时候发货")
    assert zh.get_attribute("data-intent") == "shipping_time"
    assert "小时" in zh.inner_text()
    en = ask(page, "how long does shipping take")
    assert en.get_attribute("data-intent") == "shipping_time"
    assert "hours" in en.inner_text().lower()
    page.close()


def test_reloading_the_page_keeps_the_conversation_and_the_visitors_vote(browser, live_server):
    page = browser.new_page(locale="en-US")
    open_widget(page, live_server.url)
    answer = ask(page, "how long does shipping take")
    vote = answer.locator("[data-kefu=vote]")
    assert vote.inner_text().startswith("Was this answer helpful?")
    assert page.locator(".msg.bot").first.locator("[data-kefu=vote]").count() == 0  # greeting
    vote.get_by_role("button", name="Not helpful").click()
    vote.get_by_text("Thanks for your feedback").wait_for()
    assert vote.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    assert vote.get_by_role("button", name="Helpful", exact=True).get_attribute(
        "aria-pressed") == "false"
    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        stored = db.execute("SELECT helpful FROM messages WHERE id = ?",
                            (int(answer.get_attribute("data-id")),)).fetchone()
    assert stored == (0,)  # not helpful, in the database

    page.reload()
    page.locator(".msg.visitor").first.wait_for()
    assert page.locator(".msg.visitor").first.inner_text() == "how long does shipping take"
    again = page.locator(".msg.bot[data-intent=shipping_time]")
    assert again.count() == 1
    assert again.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    page.close()


def test_markup_typed_by_a_visitor_is_shown_as_text(browser, live_server):
    page = browser.new_page(locale="en-US")
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    open_widget(page, live_server.url)
    payload = "<img src=x onerror=alert(1)>"
    ask(page, payload)
    assert page.locator(".msg.visitor").last.inner_text() == payload
    assert page.locator(".msg img").count() == 0
    assert alerts == []
    page.close()
