"""Edit intent files in place: change, add, rename or remove one intent and keep the rest.

The FAQ studio edits the same YAML files editors also change with git, so a
browser edit must look like a careful hand edit in a diff: comments, key
order, quoting, flow lists and indentation outside the changed values stay
byte for byte. Each function takes a file's text and returns the new text
(ruamel.yaml round trip, through `bot.yaml_lines`); a value equal to the one in
the file (ignoring surrounding whitespace) is left exactly as written, and a
text that did not change at all comes back identical.

An intent is handled as an `IntentDraft`, the plain values of one intent as a
form shows them. Nothing here checks the result: callers run the validator
(`bot.intents.validate_intents`) on the new text before writing it.
"""
import copy
import difflib
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from bot.intent_file import INTENT_KEYS
from bot.text import LANGUAGES
from bot.yaml_lines import dump_round_trip, load_round_trip

__all__ = ["IntentDraft", "EditError", "read_drafts", "draft_of", "replace_intent",
           "add_intent", "remove_intent", "move_examples", "unified_diff"]


class EditError(ValueError):
    """The file cannot take this edit (no such intent, not an intent file)."""


@dataclass
class IntentDraft:
    """One intent's values as an editor sees them: texts per language, lists of texts."""

    id: str
    title: dict = field(default_factory=dict)  # lang -> text
    answers: dict = field(default_factory=dict)  # lang -> [variant, ...]
    examples: list = field(default_factory=list)
    quick_replies: dict = field(default_factory=dict)  # lang -> [text, ...]
    links: list = field(default_factory=list)  # [{"title": {lang: text}, "url": text}]
    handoff: bool = False
    line: int = 0  # where the intent starts in its file (0 for a new one)


# --- reading -----------------------------------------------------------------


def _text(value):
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _texts(value):
    if isinstance(value, list):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)] if _text(value) else []


def _per_language(value, read):
    if not isinstance(value, dict):
        return {}
    return {lang: read(value[lang]) for lang in LANGUAGES if lang in value and read(value[lang])}


def draft_of(item) -> IntentDraft:
    """The draft of one intent mapping as loaded (lenient: odd values become text)."""
    links = []
    for link in item.get("links") or ():
        if isinstance(link, dict):
            links.append({"title": _per_language(link.get("title"), _text),
                          "url": _text(link.get("url"))})
    return IntentDraft(
        id=_text(item.get("id")),
        title=_per_language(item.get("title"), _text),
        answers=_per_language(item.get("answer"), _texts),
        examples=_texts(item.get("examples") or []),
        quick_replies=_per_language(item.get("quick_replies"), _texts),
        links=links,
        handoff=item.get("handoff") is True,
        line=item.lc.line + 1,
    )


def _intents_of(document):
    if not isinstance(document, CommentedMap) or not isinstance(document.get("intents"),
                                                                CommentedSeq):
        raise EditError("this file has no `intents:` list")
    return document["intents"]


def read_drafts(text: str) -> list:
    """Every intent of a file's text as a draft, in file order."""
    document, _ = load_round_trip(text)
    return [draft_of(item) for item in _intents_of(document) if isinstance(item, CommentedMap)]


def _index_of(intents, intent_id):
    for index, item in enumerate(intents):
        if isinstance(item, CommentedMap) and _text(item.get("id")) == intent_id:
            return index
    raise EditError(f'no intent "{intent_id}" in this file')


# --- writing -----------------------------------------------------------------


def replace_intent(text: str, intent_id: str, draft: IntentDraft) -> str:
    """The file's text with intent ``intent_id`` changed to ``draft`` (which may rename it)."""
    document, handle = load_round_trip(text)
    intents = _intents_of(document)
    item = intents[_index_of(intents, intent_id)]
    if draft == _same_line(draft_of(item), draft):
        return text
    tail = _pop_tail(item)
    _apply(item, draft)
    _push_tail(item, tail)
    return dump_round_trip(document, handle)


def add_intent(text: str, draft: IntentDraft) -> str:
    """The file's text with ``draft`` appended as a new intent after the last one."""
    document, handle = load_round_trip(text)
    intents = _intents_of(document)
    if not len(intents):
        intents.fa.set_block_style()  # `intents: []` becomes a list of `- id:` blocks
    tail = _pop_tail(intents)
    item = CommentedMap()
    _apply(item, draft)
    intents.append(item)
    if len(intents) > 1:  # a blank line between intents, as the files have
        intents.ca.items.setdefault(len(intents) - 1, [None, None, None, None])[1] = [_comment("\n")]
    _push_tail(intents, tail)
    return dump_round_trip(document, handle)


def remove_intent(text: str, intent_id: str) -> str:
    """The file's text without intent ``intent_id``; what separated it from the next one stays."""
    document, handle = load_round_trip(text)
    intents = _intents_of(document)
    index = _index_of(intents, intent_id)
    tail = _pop_tail(intents[index])
    if index > 0:
        _pop_tail(intents[index - 1])
        _push_tail(intents[index - 1], tail)
    elif len(intents) == 1:
        _push_tail(intents, tail)
    else:  # the new first intent keeps the comments above it, without a blank line first
        entry = intents.ca.items.setdefault(1, [None, None, None, None])
        heading = tail.lstrip("\n")
        entry[1] = [_comment(heading)] if heading.strip() else None
    del intents[index]
    return dump_round_trip(document, handle)


def move_examples(text: str, source_id: str, target_id: str, examples) -> str:
    """Within one file: take ``examples`` from one intent and append them to another."""
    drafts = {d.id: d for d in read_drafts(text)}
    source, target = drafts[source_id], drafts[target_id]
    moving = [e for e in source.examples if e in set(examples)]
    source.examples = [e for e in source.examples if e not in set(moving)]
    target.examples = target.examples + [e for e in moving if e not in target.examples]
    return replace_intent(replace_intent(text, source_id, source), target_id, target)


def unified_diff(old: str, new: str, name: str) -> str:
    """A ``diff -u`` of two versions of one file, for people to check before a save."""
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        f"a/{name}", f"b/{name}"))


def _same_line(current, draft):
    current.line = draft.line
    return current


# --- applying a draft to a mapping ---------------------------------------------


def _apply(item, draft):
    """Change ``item`` so that it reads as ``draft``, touching only what differs."""
    _set(item, "id", draft.id)
    _set_per_language(item, "title", draft.title, _styled_text)
    _set_per_language(item, "answer", draft.answers, _styled_texts)
    _set_list(item, "examples", draft.examples, flow=False)
    _set_per_language(item, "quick_replies", draft.quick_replies,
                      lambda old, new: _styled_list(old, new, flow=True))
    _set_links(item, draft.links)
    if draft.handoff or "handoff" in item:
        if item.get("handoff") is not draft.handoff:
            _set(item, "handoff", bool(draft.handoff))


def _put(item, key, value):
    """Set ``item[key]``; a new key goes where `INTENT_KEYS` puts it among the others."""
    if key in item:
        item[key] = value
        return
    order = INTENT_KEYS.index(key) if key in INTENT_KEYS else len(INTENT_KEYS)
    position = sum(1 for k in item if k in INTENT_KEYS and INTENT_KEYS.index(k) < order)
    item.insert(position, key, value)


def _set(item, key, value):
    old = item.get(key)
    if isinstance(value, str):
        if isinstance(old, str) and old.strip() == value:
            return
        value = _styled_text(old, value)
    elif old is value:
        return
    _put(item, key, value)


def _styled_text(old, new: str):
    """``new`` written the way ``old`` was (quoted, block); multi-line texts as ``|`` blocks."""
    if isinstance(old, str) and old.strip() == new:
        return old
    if "\n" in new:
        return LiteralScalarString(new.rstrip("\n") + "\n")
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return new


def _styled_texts(old, new: list):
    """One text, or a list of variants; an old list stays a list, an old text stays one."""
    if isinstance(old, CommentedSeq) or len(new) > 1:
        if not isinstance(old, CommentedSeq):
            old = CommentedSeq([old]) if isinstance(old, str) else CommentedSeq()
        return _styled_list(old, new, flow=False)
    return _styled_text(old, new[0])


def _styled_list(old, new: list, *, flow: bool):
    """``old`` changed in place into ``new`` (comments stay with the items they were on)."""
    if not isinstance(old, CommentedSeq):
        seq = CommentedSeq()
        if flow:
            seq.fa.set_flow_style()
        old = seq
    current = [_text(v) for v in old]
    if current == list(new):
        return old
    tail = _pop_tail(old)
    matcher = difflib.SequenceMatcher(a=current, b=list(new), autojunk=False)
    for tag, a0, a1, b0, b1 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        for index in range(a1 - 1, a0 - 1, -1):
            del old[index]
        for offset, value in enumerate(new[b0:b1]):
            neighbour = old[a0 - 1] if a0 > 0 and len(old) >= a0 else None
            old.insert(a0 + offset, _styled_text(neighbour if isinstance(neighbour, (
                DoubleQuotedScalarString, SingleQuotedScalarString)) else None, value))
    _push_tail(old, tail)
    return old


def _set_list(item, key, new, *, flow):
    if not new:
        if key in item:
            del item[key]
        return
    old = item.get(key)
    value = _styled_list(old, new, flow=flow)
    if value is not old:
        _put(item, key, value)


def _set_per_language(item, key, new: dict, style):
    """Set ``item[key]`` to ``{lang: value}``, editing an existing mapping in place."""
    new = {lang: value for lang, value in new.items() if value}
    if not new:
        if key in item:
            del item[key]
        return
    mapping = item.get(key)
    if not isinstance(mapping, CommentedMap):
        mapping = CommentedMap()
        if key == "title":
            mapping.fa.set_flow_style()  # `title: {zh: ..., en: ...}`, as the files write it
        _put(item, key, mapping)
    for lang in [k for k in mapping if k not in new]:
        del mapping[lang]
    for lang in LANGUAGES:
        if lang in new:
            old = mapping.get(lang)
            value = style(old, new[lang])
            if value is not old:
                mapping[lang] = value


def _link_map(link):
    title = CommentedMap((lang, link["title"][lang]) for lang in LANGUAGES
                         if link["title"].get(lang))
    title.fa.set_flow_style()
    return CommentedMap([("title", title), ("url", link["url"])])


def _set_links(item, links):
    links = [link for link in links if link.get("url") or any(link.get("title", {}).values())]
    if not links:
        if "links" in item:
            del item["links"]
        return
    old = item.get("links")
    if isinstance(old, CommentedSeq):
        current = [{"title": _per_language(link.get("title"), _text), "url": _text(link.get("url"))}
                   if isinstance(link, dict) else None for link in old]
        if current == links:
            return
        for index, link in enumerate(links):
            if index < len(old) and isinstance(old[index], CommentedMap):
                _set_per_language(old[index], "title", link["title"], _styled_text)
                _set(old[index], "url", link["url"])
            elif index < len(old):
                old[index] = _link_map(link)
            else:
                old.append(_link_map(link))
        while len(old) > len(links):
            del old[len(old) - 1]
        return
    _put(item, "links", CommentedSeq(_link_map(link) for link in links))


# --- the comment after a node's last line ----------------------------------------
#
# ruamel.yaml keeps the comments and blank lines that follow a value on the last
# scalar before them, however deep. Appending after that scalar (or deleting it)
# would put the blank line between intents, or a section's heading, in the wrong
# place; these two helpers lift that trailing part off and put it back on
# whatever is last after the edit.


def _last_slot(node):
    while True:
        if isinstance(node, CommentedMap) and len(node):
            key = list(node)[-1]
        elif isinstance(node, CommentedSeq) and len(node):
            key = len(node) - 1
        else:
            return None
        value = node[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) \
                and not value.fa.flow_style():
            node = value
            continue
        return node, key, (2 if isinstance(node, CommentedMap) else 0)


def _pop_tail(node):
    """Remove and return the lines after the node's last line (blank lines, comments), or ''.

    A comment on that last line itself stays where it is.
    """
    slot = _last_slot(node)
    if slot is None:
        return ""
    container, key, index = slot
    entry = container.ca.items.get(key)
    token = entry[index] if entry and len(entry) > index else None
    if token is None:
        return ""
    value = token.value
    if value.startswith("#"):  # a comment on the last line itself stays there
        eol, _, rest = value.partition("\n")
        token.value = eol + "\n"
        return rest
    entry[index] = None
    return value[1:] if value.startswith("\n") else value


def _push_tail(node, tail):
    """Put ``tail`` (from `_pop_tail`) after the node's new last line."""
    if not tail:
        return
    slot = _last_slot(node)
    if slot is None:
        return
    container, key, index = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) <= index:
        entry.append(None)
    if entry[index] is not None:
        token = entry[index]
        token.value = token.value + tail
        return
    entry[index] = _comment("\n" + tail)  # the last line's own end, then what followed it


def _comment(text):
    return CommentToken(text, CommentMark(0), None)


def copy_draft(draft: IntentDraft) -> IntentDraft:
    """A deep copy, to edit without touching the original."""
    return copy.deepcopy(draft)
