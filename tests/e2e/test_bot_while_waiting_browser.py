"""On screen: the bot clarifies before it hands off, answers while the visitor waits, can be
gone back to, and falls silent once an agent has the chat (issue 8, part 2)."""
import re
import time

import pytest

from tests.e2e.pages import (
    conversation_id, mine_card, new_agent, open_widget, open_workspace, queue_card,
    visitor_says, wait_until,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def contexts(browser):
    visitor = browser.new_context(locale="en-US")
    agent = browser.new_context(locale="zh-CN")
    yield visitor, agent
    visitor.close()
    agent.close()


def test_a_waiting_visitor_gets_a_bot_answer_and_then_an_agent(contexts, live_server):
    visitor_ctx, agent_ctx = contexts
    email, password = new_agent(live_server, name="小李")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)
    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    visitor.locator("[data-kefu=human]").click()
    wait_until(visitor, "window.__kefuWidget.state === 'waiting'")
    assert visitor.locator("[data-kefu=cancel-handoff]").is_visible()

    visitor_says(visitor, "how long does shipping take")
    answer = visitor.locator(".msg.bot[data-while-waiting=true][data-intent=shipping_time]")
    answer.wait_for()
    assert "While you wait" in answer.inner_text()
    assert re.search(r"You're next|ahead of you", visitor.locator("[data-kefu=banner]").inner_text())

    conversation = conversation_id(visitor)
    queue_card(agent, conversation).click()
    agent.locator("[data-action=claim]").click()
    mine_card(agent, conversation).wait_for()
    visitor.locator(".msg.system", has_text="小李").wait_for()
    wait_until(visitor, "window.__kefuWidget.state === 'agent'")
    assert visitor.locator("[data-kefu=cancel-handoff]").is_hidden()

    bots = visitor.locator(".msg.bot").count()
    visitor_says(visitor, "how much is shipping")
    time.sleep(1.0)  # long enough for a reply that must not come
    assert visitor.locator(".msg.bot").count() == bots


def test_an_unclear_question_is_clarified_and_the_visitor_can_leave_the_queue(contexts,
                                                                             live_server):
    visitor_ctx, agent_ctx = contexts
    email, password = new_agent(live_server, name="小赵")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)  # someone is online
    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    visitor_says(visitor, "问一下那个东西")
    clarify = visitor.locator(".msg.bot[data-action=clarify], .msg.bot[data-action=suggest]")
    clarify.last.wait_for()
    assert clarify.last.locator(".chip").count() >= 1
    assert re.search("我可以帮您解答|您是想问", clarify.last.inner_text())  # the message's language
    clarify.last.locator("[data-kefu=offer-human]").click()
    wait_until(visitor, "window.__kefuWidget.state === 'waiting'")

    visitor.locator("[data-kefu=cancel-handoff]").click()
    wait_until(visitor, "window.__kefuWidget.state === 'bot'")
    visitor.locator(".msg.system", has_text="又在和智能客服对话了").wait_for()  # in its language
    assert visitor.locator("[data-kefu=human]").is_visible()


def test_off_topic_is_declined_on_screen_and_never_queued(contexts, live_server):
    visitor_ctx, _ = contexts
    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    visitor_says(visitor, "what's the weather")
    reply = visitor.locator(".msg.bot[data-action=offtopic]")
    reply.wait_for()
    assert "outside what I can help with" in reply.inner_text()
    assert reply.locator(".chip").count() >= 1
    assert visitor.evaluate("window.__kefuWidget.state") == "bot"
