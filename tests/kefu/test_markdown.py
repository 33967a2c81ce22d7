"""Bot Markdown becomes safe HTML on the server, and travels with the message as ``html``."""
from html.parser import HTMLParser

import pytest

from kefu.services.markdown import message_html, render_markdown
from tests.helpers import events, send, session_of

XSS_ATTEMPTS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"https://x.example\" onclick=\"alert(1)\">x</a>",
    "![x](https://x.example/a.png\" onerror=\"alert(1))",
    "<svg onload=alert(1)>",
    "<iframe src=https://x.example></iframe>",
]


def test_bold_lists_and_line_breaks_become_html():
    html = render_markdown("Orders ship **within 24 hours**\n- tracked\n- insured")
    assert "<strong>within 24 hours</strong>" in html
    assert "<ul>" in html and html.count("<li>") == 2


class Elements(HTMLParser):
    """Every element and attribute a browser would build from some HTML."""

    def __init__(self, html):
        super().__init__()
        self.found = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("attempt", XSS_ATTEMPTS)
def test_script_injection_attempts_are_stripped(attempt):
    html = render_markdown("before " + attempt + " after")
    for tag, attrs in Elements(html).found:
        assert tag in {"p", "a", "br"}, html
        assert set(attrs) <= {"href", "target", "rel", "title"}, html
        if "href" in attrs:
            assert attrs["href"].startswith(("https:", "http:", "/")), html
    assert "before" in html and "after" in html


def test_links_open_in_a_new_tab_without_an_opener_or_referrer():
    html = render_markdown("See the [privacy policy](/help/privacy) or [us](https://shop.example).")
    assert html.count('target="_blank"') == 2
    assert html.count('rel="noopener noreferrer"') == 2
    assert 'href="/help/privacy"' in html and 'href="https://shop.example"' in html


def test_only_bot_messages_carry_html():
    assert message_html("bot", "**hi**") == "<p><strong>hi</strong></p>"
    for sender in ("visitor", "agent", "system", "note"):
        assert message_html(sender, "**hi** <b>x</b>") is None


def test_the_bot_reply_event_carries_its_answer_as_safe_html(visitor):
    sio = visitor(locale="en")
    session_of(sio)
    ack = send(sio, "how long does shipping take", client_msg_id="md-1")
    assert ack["message"]["html"] is None  # visitor text is plain text, shown as text
    reply = events(sio, "message")[0]
    assert reply["sender"] == "bot" and reply["text"]
    assert reply["html"] == render_markdown(reply["text"])
    assert reply["html"].startswith("<")
