"""Bot answers as safe HTML, rendered once on the server.

Answers are written in Markdown (intents/*.yaml). Rendering them here rather than in
every browser keeps a Markdown parser out of the widget bundle, and the sanitiser
(nh3, the Ammonia HTML cleaner) makes the output safe whatever the text holds: only
the tags and attributes below survive, links may only point to http(s), mailto or a
relative path, and every link opens in a new tab with ``rel="noopener noreferrer"``.
"""
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "blockquote",
                "del", "hr", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "target"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Raw HTML off: markup typed into an answer stays text. Linkify would need the extra
# linkify-it-py package; answers write their links as Markdown links.
_md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("strikethrough")


@lru_cache(maxsize=2048)
def render_markdown(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML; the same answer text is rendered once per process."""
    html = _md.render(text or "")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer",
                     set_tag_attribute_values={"a": {"target": "_blank"}}).strip()


def message_html(sender: str, text: str):
    """The ``html`` field of a message: the rendered answer for the bot, None for everyone else."""
    return render_markdown(text) if sender == "bot" else None


class _TextOfHtml(HTMLParser):
    """Collects the text of sanitised answer HTML; a link keeps its address after its title."""

    BLOCKS = {"p", "li", "br", "pre", "blockquote", "h3", "h4", "hr"}

    def __init__(self):
        super().__init__()
        self.parts, self.href, self.link_text = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.href, self.link_text = dict(attrs).get("href"), []
        elif tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag == "a":
            title = "".join(self.link_text)
            self.parts.append(title if not self.href or self.href == title
                              else f"{title} ({self.href})")
            self.href = None
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        (self.link_text if self.href is not None else self.parts).append(data)


def markdown_text(text: str) -> str:
    """A bot answer (Markdown) as the plain text an agent's message is.

    Agents write plain text, so an answer offered to them as a draft must not carry
    ``**`` and ``[..](..)`` into the visitor's chat: the rendered answer's text, with
    each link's address kept after its title.
    """
    parser = _TextOfHtml()
    parser.feed(render_markdown(text))
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)
