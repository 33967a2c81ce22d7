"""The widget as a visitor meets it on any site and any phone, in both languages.

What a person sees is asserted: the badge on the launcher, the tab title, the panel's
box on a 360 px phone, computed styles under a host page's strict CSP, the texts.
With KEFU_SCREENSHOTS=1 the tests also refresh the screenshots in docs/screenshots/.
"""
import http.server
import os
import re
import threading
from pathlib import Path

import pytest

from tests.e2e.pages import (
    agent_says, ask_for_a_person, conversation_id, mine_card, new_agent, open_workspace,
    queue_card, visitor_says, wait_until,
)
from tests.live import free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "docs" / "screenshots"


def screenshot(page, name):
    """Refresh docs/screenshots/<name>.png when asked to (KEFU_SCREENSHOTS=1)."""
    if os.environ.get("KEFU_SCREENSHOTS") == "1":
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_panel(page, url):
    page.goto(url + "/")
    page.locator("[data-kefu=launcher]").click()
    page.locator(".msg.bot").first.wait_for()


def test_a_reply_while_the_panel_is_closed_shows_a_badge_and_flashes_the_hidden_tabs_title(
        browser, live_server):
    email, password = new_agent(live_server, name="Mei")
    agent_ctx = browser.new_context(locale="en-US")
    agent = agent_ctx.new_page()
    open_workspace(agent, live_server.url, email, password)
    visitor_ctx = browser.new_context(locale="en-US")
    visitor = visitor_ctx.new_page()
    open_panel(visitor, live_server.url)
    visitor_says(visitor, "where is my parcel")
    ask_for_a_person(visitor)
    conversation = conversation_id(visitor)
    queue_card(agent, conversation).click()
    agent.locator("[data-action=claim]").click()
    mine_card(agent, conversation).wait_for()

    visitor.locator("[data-kefu=input]").focus()
    visitor.keyboard.press("Escape")  # closes the panel, focus back on the launcher
    assert visitor.locator("section.panel").is_hidden()
    assert visitor.evaluate("document.querySelector('#kefu-widget').shadowRoot.activeElement"
                            ".dataset.kefu") == "launcher"
    badge = visitor.locator("[data-kefu=badge]")
    assert badge.is_hidden()
    agent_says(agent, "Found it, it arrives tomorrow.")
    badge.wait_for()
    assert badge.inner_text() == "1"
    assert badge.get_attribute("aria-label") == "1 unread messages"

    # The tab goes to the background (the page is told so, as a browser tells it).
    title = visitor.title()
    visitor.evaluate("""Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
                        document.dispatchEvent(new Event('visibilitychange'))""")
    agent_says(agent, "Anything else?")
    wait_until(visitor, "document.querySelector('#kefu-widget').shadowRoot"
                        ".querySelector('[data-kefu=badge]').textContent === '2'")
    wait_until(visitor, "document.title === '(2) New message'")
    visitor.evaluate("""Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
                        document.dispatchEvent(new Event('visibilitychange'))""")
    assert visitor.title() == title
    visitor.locator("[data-kefu=launcher]").click()
    assert badge.is_hidden()
    visitor.locator(".msg.agent", has_text="Anything else?").wait_for()
    assert "Anything else?" in visitor.locator("[data-kefu=announcer]").inner_text()
    visitor_ctx.close()
    agent_ctx.close()


@pytest.mark.parametrize("locale,lang", [("zh-CN", "zh"), ("en-US", "en")])
def test_on_a_360px_phone_the_panel_fills_the_screen_and_the_input_stays_visible(
        browser, live_server, locale, lang):
    context = browser.new_context(locale=locale, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    open_panel(page, live_server.url)
    visitor_says(page, "什么时候发货" if lang == "zh" else "how long does shipping take")
    page.locator(".msg.bot").nth(1).wait_for()
    panel = page.locator("section.panel").bounding_box()
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 360, 740)
    box = page.locator("[data-kefu=input]")
    assert box.evaluate("e => getComputedStyle(e).fontSize") == "16px"  # no zoom on iOS
    for target in ("[data-kefu=human]", "[data-kefu=send]", "[data-kefu=sound]",
                   "header button"):
        size = page.locator(target).bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44, (target, size)
    screenshot(page, f"phone-{lang}")

    # The on-screen keyboard takes the lower part of the screen: the panel shrinks above it.
    page.set_viewport_size({"width": 360, "height": 420})
    wait_until(page, "document.querySelector('#kefu-widget').shadowRoot"
                     ".querySelector('section.panel').getBoundingClientRect().height === 420")
    field = box.bounding_box()
    assert field["y"] + field["height"] <= 420
    assert box.is_visible()
    context.close()


def test_both_languages_say_every_text_and_error_in_their_own_words(browser, live_server):
    for locale, header, too_long, fast in [
            ("zh-CN", "在线客服", "消息太长：最多 2000 个字", "未发送：您发送得太快了"),
            ("en-US", "Support", "Too long: at most 2000 characters", "Not sent: You are sending messages too fast")]:
        context = browser.new_context(locale=locale)
        page = context.new_page()
        open_panel(page, live_server.url)
        assert page.locator("[role=dialog] header").inner_text().startswith(header)
        box = page.locator("[data-kefu=input]")
        box.fill("x" * 2001)
        box.press("Enter")
        assert too_long in page.locator("[data-kefu=input-error]").inner_text()
        assert box.input_value() == "x" * 2001  # kept, not cut
        assert "2001/2000" in page.locator("[data-kefu=counter]").inner_text()
        screenshot(page, "desktop-" + locale[:2])
        box.fill("")
        for n in range(22):  # more than the 20 per 10 s the server accepts
            box.fill(f"hello {n}")
            box.press("Enter")
        refused = page.locator(".msg.visitor.failed [data-kefu=reason]").first
        refused.wait_for()
        assert fast in refused.inner_text()  # inline, not a hover-only title
        context.close()


class _HostPage(http.server.BaseHTTPRequestHandler):
    """A customer's site on another origin, with the strict CSP the README documents."""
    kefu = ""

    def do_GET(self):
        kefu = self.kefu
        ws = kefu.replace("http://", "ws://")
        body = (f'<!doctype html><html><head><title>Host shop</title>'
                f'<link rel="icon" href="data:,"></head><body><h1>Host shop</h1>'
                f'<script src="{kefu}/widget.js" data-locale="en" async></script>'
                f'</body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy",
                         f"default-src 'self'; style-src 'self'; script-src 'self' {kefu}; "
                         f"connect-src 'self' {kefu} {ws}; img-src 'self' data:")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def host_site(live_server):
    """The host page served from 127.0.0.1 on a second port."""
    handler = type("Host", (_HostPage,), {"kefu": live_server.url})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_host_page_with_a_strict_csp_shows_the_widget_styled_and_reports_no_violation(
        browser, live_server, host_site):
    assert host_site.rsplit(":", 1)[1] != live_server.url.rsplit(":", 1)[1]
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(m.text))
    page.add_init_script("""document.addEventListener('securitypolicyviolation', (e) =>
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))""")
    page.goto(host_site + "/")
    launcher = page.locator("[data-kefu=launcher]")
    launcher.wait_for()
    style = launcher.evaluate("""e => { const s = getComputedStyle(e);
        return [s.position, s.backgroundColor, s.width, s.borderRadius]; }""")
    assert style == ["fixed", "rgb(26, 95, 208)", "56px", "50%"]
    launcher.click()
    page.locator(".msg.bot").first.wait_for()
    header = page.locator("[role=dialog] header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(26, 95, 208)"
    assert page.evaluate("Object.keys(window).filter(k => k.toLowerCase().includes('kefu'))") \
        == ["__kefuWidget"]  # at most one global
    assert page.locator("#kefu-widget [style]").count() == 0
    visitor_says(page, "how long does shipping take")
    page.locator(".msg.bot[data-intent=shipping_time] strong, .msg.bot[data-intent=shipping_time] p").first.wait_for()
    assert not [m for m in console if re.search(r"Content.Security.Policy|CSP violation", m)], console
    context.close()


def test_the_open_panel_has_no_serious_or_critical_accessibility_violations(browser, live_server):
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    open_panel(page, live_server.url)
    visitor_says(page, "什么时候发货")
    page.locator(".msg.bot").nth(1).wait_for()
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run({include: [['#kefu-widget']]}, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}));
    }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert bad == [], bad
    context.close()
