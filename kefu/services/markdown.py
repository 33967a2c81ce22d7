"""Bot answers as safe HTML, rendered once on the server.

Answers are written in Markdown (intents/*.yaml). Rendering them here rather than in
every browser keeps a Markdown parser out of the widget bundle, and the sanitiser
(nh3, the Ammonia HTML cleaner) makes the output safe whatever the text holds: only
the tags and attributes below survive, links may only point to http(s), mailto or a
relative path, and every link opens in a new tab with ``rel="noopener noreferrer"``.
"""
from functools import lru_cache

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
