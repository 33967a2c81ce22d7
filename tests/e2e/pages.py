"""What a visitor and an agent do on screen, shared by the browser tests."""
import itertools
import re
import time

_ids = itertools.count(1)


def wait_until(page, expression, timeout=30.0):
    """Poll a JavaScript expression until it is truthy; returns its value.

    Not ``page.wait_for_function``: its polling evaluates the string with eval inside
    the page, which kefu's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
    ``page.evaluate`` goes through the DevTools protocol and is not subject to the CSP.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


def new_agent(live_server, name="小王", role="agent"):
    """Create a desk user on the live server; returns (email, password)."""
    email = f"{role}-browser-{next(_ids)}@example.com"
    return email, live_server.create_user(email, name, role)


def log_in(page, url, email, password, next_path=None):
    """Fill the login form (optionally arriving from ``next_path``)."""
    page.goto(url + "/auth/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def open_workspace(page, url, email, password):
    """Log in and wait until the workspace's socket says hello."""
    log_in(page, url, email, password)
    page.wait_for_url(re.compile(r".*/agent/$"))
    page.locator("[data-role=conn]:not(.bad)").wait_for()
    wait_until(page, "window.__kefuWorkspace && window.__kefuWorkspace.seenWaiting !== null")


def open_widget(page, url):
    """The demo shop with the widget opened and connected."""
    page.goto(url + "/")
    page.locator("[data-kefu=launcher]").click()
    page.locator(".msg.bot").first.wait_for()


def reload_widget(page):
    """Reload the page and have the widget open again (the tab may remember it open)."""
    page.reload()
    wait_until(page, "window.__kefuWidget")
    if not page.evaluate("window.__kefuWidget.isOpen()"):
        page.locator("[data-kefu=launcher]").click()


def visitor_says(page, text):
    """Type and send a message in the widget; returns once the server stored it."""
    before = page.locator(".msg.visitor:not(.pending)").count()
    page.locator("[data-kefu=input]").fill(text)
    page.locator("[data-kefu=send]").click()
    page.locator(".msg.visitor:not(.pending)").nth(before).wait_for()


def conversation_id(page):
    """The id of the visitor's open conversation, as the widget knows it."""
    return wait_until(page, "window.__kefuWidget && window.__kefuWidget.conversationId")


def queue_card(page, conversation):
    return page.locator(f"[data-role=queue] [data-conversation-id='{conversation}']")


def mine_card(page, conversation):
    return page.locator(f"[data-role=mine] [data-conversation-id='{conversation}']")


def agent_says(page, text):
    page.locator("[data-role=input]").fill(text)
    page.locator("[data-role=send]").click()


def ask_for_a_person(page):
    """Tap "talk to a person" unless the bot has handed off already; wait for the queue."""
    wait_until(page, "window.__kefuWidget.state !== undefined")
    if page.evaluate("window.__kefuWidget.state") == "bot":
        page.locator("[data-kefu=human]").click()
    wait_until(page, "window.__kefuWidget.state === 'waiting'")
