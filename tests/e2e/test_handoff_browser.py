"""A whole handoff on screen: a visitor and an agent, each in their own browser context."""
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (
    agent_says, ask_for_a_person, conversation_id, mine_card, new_agent, open_widget, open_workspace,
    queue_card, visitor_says,
)

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def contexts(browser):
    """A visitor (English browser) and an agent (Chinese browser), sharing nothing."""
    visitor = browser.new_context(locale="en-US")
    agent = browser.new_context(locale="zh-CN")
    yield visitor, agent
    visitor.close()
    agent.close()


def stored_rating(live_server, conversation):
    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        return db.execute("SELECT rating FROM conversations WHERE id = ?",
                          (conversation,)).fetchone()[0]


def add_canned_reply(live_server, shortcut, text):
    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        db.execute("INSERT INTO canned_replies (shortcut, text, updated_at) VALUES (?, ?, ?)",
                   (shortcut, text, "2026-01-01 00:00:00.000000"))


def test_visitor_is_handed_to_an_agent_and_rates_the_chat(contexts, live_server):
    visitor_ctx, agent_ctx = contexts
    email, password = new_agent(live_server, name="小王")
    add_canned_reply(live_server, "hi", "Hi {visitor_name}, I'm {agent_name}.")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)

    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    visitor_says(visitor, "how long does shipping take")
    visitor.locator(".msg.bot[data-intent=shipping_time]").wait_for()
    visitor.locator("[data-kefu=human]").click()
    banner = visitor.locator("[data-kefu=banner]")
    banner.wait_for()
    assert re.search(r"You're next|ahead of you", banner.inner_text())
    visitor.locator(".msg.system", has_text=re.compile("queue|next|ahead", re.I)).first.wait_for()
    assert visitor.locator("[data-kefu=human]").is_hidden()
    conversation = conversation_id(visitor)

    # The waiting chat appears live in the agent's queue, with a beep and a title badge.
    card = queue_card(agent, conversation)
    card.wait_for()
    assert re.fullmatch(r"\(\d+\) kefu", agent.title())
    assert agent.evaluate("window.__kefuBeeps || 0") >= 1
    card.click()
    transcript = agent.locator("[data-role=transcript]")
    transcript.locator(".row.visitor", has_text="how long does shipping take").wait_for()
    bot_row = transcript.locator(".row.bot").filter(has=agent.locator("[data-role=intent]")).first
    assert "shipping_time" in bot_row.inner_text()
    assert re.search(r"\d+%", bot_row.locator("[data-role=intent]").inner_text())
    reason = agent.locator("[data-role=handoff] [data-role=reason]")
    assert reason.get_attribute("data-reason") == "visitor_request"
    assert reason.inner_text() == "访客要求人工"  # the agent's browser is Chinese
    assert agent.locator("[data-role=guesses] li").count() <= 3
    assert agent.locator("[data-role=details] [data-role=locale]").inner_text() == "en"
    # System notices in the agent's language, though the visitor was told them in English.
    transcript.locator(".row.system[data-notice=queue_place]", has_text="您在排队中的位置").wait_for()

    question = transcript.locator(".row.visitor", has_text="how long does shipping take")
    assert question.locator("[data-action=to-inbox]").count() == 0  # not this agent's chat yet
    agent.locator("[data-action=claim]").click()
    mine_card(agent, conversation).wait_for()
    agent.locator("[data-action=close]").wait_for()
    # Now it is: the agent tells the editors the bot should have answered this line.
    question.get_by_role("button", name="机器人本该回答这个").click()
    question.get_by_text("已送到学习收件箱").wait_for()
    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        assert db.execute("SELECT count(*) FROM conversation_events WHERE kind = 'sent_to_inbox'"
                          " AND conversation_id = ?", (conversation,)).fetchone() == (1,)
    visitor.locator(".msg.system", has_text="小王").first.wait_for()
    assert "小王" in visitor.locator("[role=dialog] header").inner_text()
    transcript.locator(".row.system[data-notice=agent_joined]", has_text="小王 已加入对话").wait_for()

    # A canned reply comes filled in by the server for this conversation.
    box = agent.locator("[data-role=input]")
    box.press_sequentially("/hi")
    agent.locator("[data-role=canned-pop] li").first.wait_for()
    box.press("Enter")
    expect(box).to_have_value("Hi there, I'm 小王.")
    box.fill("")

    # The agent types: the visitor sees it, then the reply; the agent has read the question.
    agent.locator("[data-role=input]").press_sequentially("Hello")
    visitor.locator("[data-kefu=typing]", has_text="小王").wait_for()
    agent.locator("[data-role=input]").fill("Hi, I'm 小王. Orders ship within 24 hours.")
    agent.locator("[data-role=send]").click()
    visitor.locator(".msg.agent", has_text="Orders ship within 24 hours").wait_for()
    visitor.locator(".msg.visitor[data-receipt=read]").first.wait_for()
    visitor.reload()  # the read ticks come back with the session
    visitor.locator(".msg.agent", has_text="Orders ship within 24 hours").wait_for()
    visitor.locator(".msg.visitor[data-receipt=read]").first.wait_for()

    visitor_says(visitor, "great, thank you")
    transcript.locator(".row.visitor", has_text="great, thank you").wait_for()
    transcript.locator(".row.agent [data-role=read]").first.wait_for()  # read receipt back

    agent.locator("[data-action=close]").click()
    rating = visitor.locator("[data-kefu=rating]")
    rating.wait_for()
    rating.locator(".star[data-rating='5']").click()
    visitor.locator("[data-kefu=rating][data-rated='5']").wait_for()
    assert mine_card(agent, conversation).count() == 0
    assert stored_rating(live_server, conversation) == 5


def test_markup_from_a_visitor_is_only_text_in_the_workspace(contexts, live_server):
    visitor_ctx, agent_ctx = contexts
    email, password = new_agent(live_server, name="Lee")
    agent = agent_ctx.new_page()
    dialogs = []
    agent.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_workspace(agent, live_server.url, email, password)

    visitor = visitor_ctx.new_page()
    visitor.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_widget(visitor, live_server.url)
    visitor_says(visitor, XSS)
    ask_for_a_person(visitor)  # the bot may hand off by itself: it knows no such question
    conversation = conversation_id(visitor)

    card = queue_card(agent, conversation)
    card.wait_for()
    card.click()
    row = agent.locator("[data-role=transcript] .row.visitor").first
    row.wait_for()
    assert row.locator(".bubble").inner_text() == XSS
    agent.locator("[data-action=claim]").click()
    agent.locator("[data-action=close]").wait_for()
    agent.locator("input[name=mode][value=note]").check()
    agent_says(agent, "note " + XSS)
    agent.locator(".row.note", has_text="note <img").wait_for()
    agent.locator("input[name=mode][value=reply]").check()
    agent_says(agent, "reply " + XSS)
    visitor.locator(".msg.agent", has_text="reply <img").wait_for()
    agent.locator("[data-role=mine] .snippet", has_text="reply <img").wait_for()  # may come later

    assert agent.locator("#workspace img").count() == 0
    assert XSS in queue_or_mine_snippets(agent)
    assert visitor.locator(".msg img").count() == 0
    assert visitor.locator(".msg", has_text="note <img").count() == 0  # notes stay private
    assert dialogs == []


def queue_or_mine_snippets(page):
    return " ".join(page.locator("[data-role=mine] .snippet, [data-role=queue] .snippet").all_inner_texts())
