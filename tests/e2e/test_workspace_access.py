"""Reaching the workspace in a browser: through the login form, and only as desk staff."""
import re

import pytest

from tests.e2e.pages import log_in, new_agent

pytestmark = pytest.mark.browser


def test_anonymous_agent_logs_in_and_comes_back_to_the_workspace(browser, live_server):
    email, password = new_agent(live_server, name="Ann")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + "/agent/")
    page.wait_for_url(re.compile(r".*/auth/login\?next="))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/agent/$"))
    page.locator("[data-role=conn]:not(.bad)").wait_for()
    assert page.locator(".tabs [data-view=chats]").text_content() == "Chats"
    context.close()


def test_language_switch_turns_the_workspace_into_chinese_and_back(browser, live_server):
    email, password = new_agent(live_server, name="Bo")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, live_server.url, email, password)
    page.wait_for_url(re.compile(r".*/agent/$"))
    assert page.locator("[data-i18n=queue]").text_content() == "Queue"
    page.locator("[data-role=lang]").click()
    assert page.locator("[data-i18n=queue]").text_content() == "排队中"
    page.reload()
    assert page.locator("[data-i18n=queue]").text_content() == "排队中"  # remembered
    page.locator("[data-role=lang]").click()
    assert page.locator("[data-i18n=queue]").text_content() == "Queue"
    context.close()


def test_editor_is_refused_the_workspace_in_the_browser(browser, live_server):
    email, password = new_agent(live_server, name="Ed", role="editor")
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, email, password)
    page.wait_for_load_state()
    response = page.goto(live_server.url + "/agent/")
    assert response.status == 403
    context.close()
