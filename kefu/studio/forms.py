"""Turn the studio's intent form into an `IntentDraft`, refusing what is too large to be an FAQ.

The form is plain HTML (it works without scripts): one text area per answer
variant, examples and quick replies one per line, rows of link fields. The
bounds are generous for a real FAQ and small enough that one request cannot
grow a file without end; the validator judges everything else.
"""
from bot.intent_edit import IntentDraft
from bot.text import LANGUAGES
from kefu.services.intent_store import StoreError

MAX_TEXT = 5000  # one answer variant
MAX_LINE = 500  # an example, a title, a quick reply, a link
MAX_EXAMPLES = 2000
MAX_ITEMS = 20  # answer variants, quick replies or links per language


def _too_long(what, limit):
    return StoreError("invalid", f"{what} is longer than {limit} characters. · "
                                 f"{what} 超过 {limit} 个字符。")


def _line(form, name, what):
    value = (form.get(name) or "").strip()
    if len(value) > MAX_LINE:
        raise _too_long(what, MAX_LINE)
    return value


def _lines(form, name, what, limit=MAX_ITEMS):
    values = [line.strip() for line in (form.get(name) or "").splitlines() if line.strip()]
    if len(values) > limit:
        raise StoreError("invalid", f"At most {limit} {what}. · {what} 最多 {limit} 条。")
    for value in values:
        if len(value) > MAX_LINE:
            raise _too_long(what, MAX_LINE)
    return values


def draft_from_form(form) -> IntentDraft:
    """The draft a submitted intent form describes (`StoreError` when over a bound)."""
    answers = {}
    for lang in LANGUAGES:
        variants = [text.replace("\r\n", "\n").strip() for text in form.getlist(f"answer_{lang}")]
        variants = [text for text in variants if text]
        if len(variants) > MAX_ITEMS:
            raise StoreError("invalid", f"At most {MAX_ITEMS} answer variants per language.")
        if any(len(text) > MAX_TEXT for text in variants):
            raise _too_long(f"answer ({lang})", MAX_TEXT)
        answers[lang] = variants
    links = []
    urls, titles = form.getlist("link_url"), {lang: form.getlist(f"link_title_{lang}")
                                             for lang in LANGUAGES}
    if len(urls) > MAX_ITEMS:
        raise StoreError("invalid", f"At most {MAX_ITEMS} links.")
    for index, url in enumerate(urls):
        title = {lang: (titles[lang][index] if index < len(titles[lang]) else "").strip()
                 for lang in LANGUAGES}
        if any(len(value) > MAX_LINE for value in [url, *title.values()]):
            raise _too_long("link", MAX_LINE)
        links.append({"title": {k: v for k, v in title.items() if v}, "url": url.strip()})
    return IntentDraft(
        id=_line(form, "id", "id"),
        title={lang: _line(form, f"title_{lang}", f"title ({lang})") for lang in LANGUAGES},
        answers=answers,
        examples=_lines(form, "examples", "examples", MAX_EXAMPLES),
        quick_replies={lang: _lines(form, f"quick_{lang}", f"quick replies ({lang})")
                       for lang in LANGUAGES},
        links=links,
        handoff=form.get("handoff") in ("on", "true", "1"),
    )
