"""Supervision and agent assist on screen: an agent takes a chat from the bot and replies
with the bot's draft.

With KEFU_SCREENSHOTS=1 the test also refreshes docs/screenshots/supervision.png and
docs/screenshots/assist-draft.png.
"""
import os
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import conversation_id, mine_card, new_agent, open_widget, open_workspace, \
    visitor_says

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name):
    """Refresh docs/screenshots/<name>.png when asked to (KEFU_SCREENSHOTS=1)."""
    if os.environ.get("KEFU_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def contexts(browser):
    """A visitor (English browser) and an agent (English browser), sharing nothing."""
    visitor = browser.new_context(locale="en-US")
    agent = browser.new_context(locale="en-US", viewport={"width": 1360, "height": 860})
    yield visitor, agent
    visitor.close()
    agent.close()


def assist_uses(live_server, conversation):
    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        return [row[0] for row in db.execute(
            "SELECT reason FROM conversation_events WHERE conversation_id = ? AND kind = 'assist'"
            " ORDER BY id", (conversation,))]


def test_an_agent_takes_over_a_bot_chat_and_sends_the_bots_draft(contexts, live_server):
    visitor_ctx, agent_ctx = contexts
    email, password = new_agent(live_server, name="Mia")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)

    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    visitor_says(visitor, "how long does shipping take")
    visitor.locator(".msg.bot[data-intent=shipping_time]").wait_for()
    conversation = conversation_id(visitor)

    # The chat appears live among the bot's, with the visitor's message and the confidence.
    card = agent.locator(f"[data-role=bot-chats] [data-conversation-id='{conversation}']")
    card.locator("[data-role=bot-last-message]", has_text="how long does shipping take").wait_for()
    assert re.fullmatch(r"\d+%", card.locator("[data-role=bot-confidence]").inner_text())
    visitor_says(visitor, "what is your return policy")  # the next bot turn updates the same card
    card.locator("[data-role=bot-last-message]", has_text="what is your return policy").wait_for()
    card.click()
    agent.locator("[data-role=transcript] .row.bot").first.wait_for()
    screenshot(agent, "supervision")

    # Take it over: it moves to my chats and the visitor is told, in English.
    agent.locator("[data-role=actions] [data-action=takeover]").click()
    mine_card(agent, conversation).wait_for()
    expect(card).to_have_count(0)
    visitor.locator(".msg.system", has_text="Mia has joined the chat").wait_for()

    # The visitor's next message: the bot stays silent, the agent sees its draft.
    bot_before = visitor.locator(".msg.bot").count()
    visitor_says(visitor, "how long does shipping take to Shanghai")
    draft = agent.locator("[data-role=transcript] .row.visitor",
                          has_text="to Shanghai").locator("[data-role=draft]")
    draft.wait_for()
    assert re.fullmatch(r"\d+%", draft.locator("[data-role=draft-confidence]").inner_text())
    assert draft.locator("[data-role=draft-intents] [data-intent=shipping_time]").count() == 1
    text = draft.locator("[data-role=draft-text]").inner_text()
    assert text
    screenshot(agent, "assist-draft")

    # One click puts it in the reply box, editable; the agent adds a line and sends it.
    draft.locator("[data-action=insert-draft]").click()
    box = agent.locator("[data-role=input]")
    expect(box).to_have_value(text)
    expect(box).to_be_focused()
    box.press("End")
    box.press("Shift+Enter")
    box.press_sequentially("Anything else?")
    agent.locator("[data-role=send]").click()
    visitor.locator(".msg.agent", has_text="Anything else?").wait_for()
    assert visitor.locator(".msg.bot").count() == bot_before  # silent while the agent holds it
    assert visitor.locator("text=Bot's draft").count() == 0
    assert assist_uses(live_server, conversation) == ["edited"]
