"""The widget never misses a reply, keeps ended chats, and knows the host's customer.

Three things a visitor and an agent see on screen: a reply the agent sent while the
visitor's socket was down appears exactly once after the reconnect; a reload after the
chat was closed shows the old transcript above the new chat, and asks for the rating the
visitor had not given yet; a host page that signs its
customer in (data-user-*) shows the agent the customer's name.  With KEFU_SCREENSHOTS=1
the tests refresh docs/screenshots/.
"""
import http.server
import os
import threading
from pathlib import Path

import pytest

from kefu.services.identity import user_hash
from tests.e2e.pages import (
    agent_says, ask_for_a_person, conversation_id, mine_card, new_agent, open_widget,
    open_workspace, queue_card, reload_widget, visitor_says, wait_until,
)
from tests.live import LIVE_IDENTITY_SECRET, free_port

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDGET = "document.querySelector('#kefu-widget').shadowRoot"


def screenshot(page, name):
    if os.environ.get("KEFU_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def people(browser, live_server):
    """An agent at the workspace and a visitor, each in a browser context of their own."""
    email, password = new_agent(live_server, name="Mei")
    agent_ctx = browser.new_context(locale="en-US")
    visitor_ctx = browser.new_context(locale="en-US")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)
    yield agent, visitor_ctx
    agent_ctx.close()
    visitor_ctx.close()


def hand_over(agent, visitor, text):
    """The visitor asks ``text`` and for a person; the agent claims; returns the chat id."""
    visitor_says(visitor, text)
    ask_for_a_person(visitor)
    conversation = conversation_id(visitor)
    queue_card(agent, conversation).click()
    agent.locator("[data-action=claim]").click()
    mine_card(agent, conversation).wait_for()
    return conversation


def test_a_reply_sent_while_the_socket_was_down_appears_once_after_the_reconnect(
        people, live_server):
    agent, visitor_ctx = people
    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    hand_over(agent, visitor, "where is my parcel")
    agent_says(agent, "Let me look.")
    visitor.locator(".msg.agent", has_text="Let me look.").wait_for()
    visitor.locator(".msg.agent").first.evaluate("n => n.dataset.marked = 'before'")

    visitor.evaluate("window.__kefuWidget.socket.disconnect()")  # a tunnel, a sleeping laptop
    agent_says(agent, "Found it: it arrives tomorrow.")
    agent.locator("[data-role=transcript] .row.agent", has_text="arrives tomorrow").wait_for()
    assert visitor.locator(".msg.agent", has_text="arrives tomorrow").count() == 0

    visitor.evaluate("window.__kefuWidget.socket.connect()")
    reply = visitor.locator(".msg.agent", has_text="arrives tomorrow")
    reply.wait_for()
    # The tab is shown again: a second catch-up finds nothing new and draws nothing twice.
    visitor.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    wait_until(visitor, "!window.__kefuWidget.catchup.running")
    assert reply.count() == 1
    assert visitor.locator(".msg.agent", has_text="Let me look.").count() == 1
    # Drawn in place, not by redrawing the panel: the earlier node is the same element.
    assert visitor.locator(".msg.agent").first.get_attribute("data-marked") == "before"
    ids = visitor.evaluate(f"[...{WIDGET}.querySelectorAll('.log > .msg[data-id]')]"
                           ".map(n => Number(n.dataset.id))")
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    screenshot(visitor, "sync-after-reconnect")


def test_a_reload_after_the_close_shows_the_old_transcript_above_the_new_chat(
        people, live_server):
    agent, visitor_ctx = people
    visitor = visitor_ctx.new_page()
    open_widget(visitor, live_server.url)
    hand_over(agent, visitor, "can I change my address")
    agent_says(agent, "Yes, I changed it to 5 Elm Road.")
    visitor.locator(".msg.agent", has_text="5 Elm Road").wait_for()
    agent.locator("[data-action=close]").click()
    visitor.locator("[data-kefu=rating], .rating").first.wait_for()

    reload_widget(visitor)
    earlier = visitor.locator("[data-kefu=earlier]")
    earlier.locator(".msg.visitor", has_text="can I change my address").wait_for()
    assert earlier.locator(".msg.agent", has_text="5 Elm Road").count() == 1
    assert earlier.locator("[data-kefu=earlier-divider]").count() == 1
    assert earlier.locator("[data-kefu=earlier-divider]").inner_text().startswith("Earlier chat")
    # Above the new chat: the greeting of the new one comes after the old transcript.
    order = visitor.evaluate(f"[...{WIDGET}.querySelector('.log').children]"
                             ".map(n => n.dataset.kefu || n.dataset.sender)")
    assert order.index("earlier") < order.index("bot")
    # The chat was closed unrated: the reload asks again, and once rated, never again.
    rating = visitor.locator("[data-kefu=rating]")
    rating.wait_for()
    assert rating.count() == 1
    rating.locator("[data-rating='4']").click()
    rating.locator(".thanks", has_text="★★★★").wait_for()
    reload_widget(visitor)
    earlier.locator(".msg.agent", has_text="5 Elm Road").wait_for()
    assert visitor.locator("[data-kefu=rating]").count() == 0
    visitor_says(visitor, "one more question")
    assert earlier.locator(".msg.visitor", has_text="one more question").count() == 0
    screenshot(visitor, "earlier-chat")


class _SignedInShop(http.server.BaseHTTPRequestHandler):
    """A customer's shop on another origin whose server signs its logged-in customer."""

    kefu = ""
    user_hash = None  # None: the real HMAC; a string: that (forged) value

    def do_GET(self):
        user_id = "shop-user-1001"
        signature = self.user_hash or user_hash(LIVE_IDENTITY_SECRET, user_id)
        body = (f'<!doctype html><html><head><title>Shop</title>'
                f'<link rel="icon" href="data:,"></head><body><h1>My account</h1>'
                f'<script src="{self.kefu}/widget.js" data-locale="zh" async '
                f'data-user-id="{user_id}" data-user-name="李雷" '
                f'data-user-email="lilei@example.com" data-user-hash="{signature}"></script>'
                f'</body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_host_page_that_signs_its_customer_in_shows_the_agent_the_name(people, live_server):
    agent, visitor_ctx = people
    shop = serve(type("Shop", (_SignedInShop,), {"kefu": live_server.url}))
    try:
        visitor = visitor_ctx.new_page()
        visitor.goto(f"http://127.0.0.1:{shop.server_port}/")
        visitor.locator("[data-kefu=launcher]").click()
        visitor.locator(".msg.bot").first.wait_for()
        assert visitor.evaluate("window.__kefuWidget.identified") is True
        visitor_says(visitor, "我的订单到哪了")
        ask_for_a_person(visitor)
        conversation = conversation_id(visitor)
        card = queue_card(agent, conversation)
        card.wait_for()
        assert "李雷" in card.inner_text()
        card.click()
        details = agent.locator("[data-role=details]")
        details.locator(".vname", has_text="李雷").wait_for()
        assert details.locator("[data-role=email]").inner_text() == "lilei@example.com"
        assert details.locator("[data-role=verified]").is_visible()
        screenshot(agent, "identity-agent")
    finally:
        shop.shutdown()
        shop.server_close()


def test_a_forged_signature_is_refused_and_the_chat_stays_anonymous(people, live_server):
    agent, visitor_ctx = people
    shop = serve(type("Forged", (_SignedInShop,), {"kefu": live_server.url,
                                                   "user_hash": "0" * 64}))
    try:
        visitor = visitor_ctx.new_page()
        warnings = []
        visitor.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        visitor.goto(f"http://127.0.0.1:{shop.server_port}/")
        visitor.locator("[data-kefu=launcher]").click()
        visitor.locator(".msg.bot").first.wait_for()
        assert visitor.evaluate("window.__kefuWidget.identified") is False
        assert any("invalid_identity" in w for w in warnings), warnings
        visitor_says(visitor, "hello")
        ask_for_a_person(visitor)
        card = queue_card(agent, conversation_id(visitor))
        card.wait_for()
        assert "李雷" not in card.inner_text()
    finally:
        shop.shutdown()
        shop.server_close()


def set_prechat(live_server, on):
    """Write the setting as another process would: the value and a new settings version."""
    import sqlite3
    import time
    import uuid

    with sqlite3.connect(live_server.instance / "kefu.sqlite") as db:
        db.execute("DELETE FROM settings WHERE key IN ('prechat_form', '_version')")
        if on:
            db.execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                       ("prechat_form", "true", "2026-01-01 00:00:00.000000"))
        db.execute("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)",
                   ("_version", f'"{uuid.uuid4().hex}"', "2026-01-01 00:00:00.000000"))
    time.sleep(1.2)  # SETTINGS_CHECK_SECONDS: the server looks at the version again


def test_the_pre_chat_form_asks_name_and_email_first_and_says_what_is_wrong(
        people, live_server):
    agent, visitor_ctx = people
    set_prechat(live_server, True)
    try:
        visitor = visitor_ctx.new_page()
        open_widget(visitor, live_server.url)
        form = visitor.locator("[data-kefu=prechat]")
        form.wait_for()
        assert visitor.locator("[data-kefu=input]").is_hidden()
        visitor.locator("[data-kefu=prechat-name]").fill("Mei Lin")
        visitor.locator("[data-kefu=prechat-email]").fill("mei at example")
        visitor.locator("[data-kefu=prechat-submit]").click()
        error = visitor.locator("[data-kefu=prechat-error]")
        error.wait_for()
        assert error.inner_text() == "That email address does not look right."
        assert visitor.locator("[data-kefu=prechat-email]").evaluate(
            "e => getComputedStyle(e).fontSize") == "16px"
        screenshot(visitor, "prechat-en")
        visitor.locator("[data-kefu=prechat-email]").fill("mei@example.com")
        visitor.locator("[data-kefu=prechat-submit]").click()
        form.wait_for(state="detached")
        assert visitor.locator("[data-kefu=input]").is_visible()
        visitor_says(visitor, "hello")
        ask_for_a_person(visitor)
        card = queue_card(agent, conversation_id(visitor))
        card.wait_for()
        assert "Mei Lin" in card.inner_text()
    finally:
        set_prechat(live_server, False)
