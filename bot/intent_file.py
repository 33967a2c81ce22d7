"""Read one intent file into intents, recording a `Problem` for every mistake in it.

Everything that can be judged from a single file is judged here: YAML syntax,
the shape of each intent, ids, texts, languages, links, example counts. The
reader never stops at the first mistake, so an editor can fix a whole file in
one pass; what needs all files at once (repeated ids, shared examples) is left
to `bot.intent_checks`.
"""
import difflib
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, replace

from bot.locks import os_lock

from bot.intent_types import Intent, Link, Problem
from bot.text import LANGUAGES, example_languages
from bot.yaml_lines import (
    Map, MarkedYAMLError, Seq, YAMLError, item_lines, key_line, line_of, load_with_lines,
    yaml_error_message,
)

__all__ = ["Entry", "read_intent_file", "INTENT_KEYS", "REQUIRED_KEYS", "LINK_KEYS", "MIN_EXAMPLES"]

INTENT_KEYS = ("id", "title", "answer", "examples", "quick_replies", "links", "handoff")
REQUIRED_KEYS = ("id", "title", "answer", "examples")
LINK_KEYS = ("title", "url")
MIN_EXAMPLES = 5

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_URL = re.compile(r"(https?://[^\s/]+|/(?!/))\S*\Z")


@dataclass
class Entry:
    """An intent read from a file, with the line of each example for the cross-file checks."""

    intent: Intent
    example_lines: list  # (line, raw example) for each example kept


#: Files read before, by their bytes: ``{(sha256, length): (file, entries, problems)}``.
_READ = OrderedDict()
_READ_KEPT = 64  # the demo FAQ has 9 files; a studio keeps a few versions of each
_READ_LOCK = os_lock()


def read_intent_file(file: str, data: bytes):
    """Return ``(entries, problems)`` for one file's bytes; `file` is the name problems carry.

    An entry is made for each intent with a usable id, even if other fields
    are wrong, so that checks across files still see it.

    Parsing the YAML with line numbers is most of the cost of loading the intents
    (0.3-1.6 s for the demo FAQ on a 2-core machine), and one process reads the same
    bytes again and again: each model load and retrain, each studio save validating
    every file.  So results are remembered by the bytes themselves, never by a file's
    name or modification time, which an edit within the clock's resolution keeps;
    the bytes are all a file's result depends on besides its name, which is put back.
    """
    key = (hashlib.sha256(data).digest(), len(data))
    with _READ_LOCK:
        known = _READ.get(key)
        if known is not None:
            _READ.move_to_end(key)
    if known is None:
        reader = _FileReader(file)
        known = (file, tuple(reader.read(data)), tuple(reader.problems))
        with _READ_LOCK:
            _READ[key] = known
            while len(_READ) > _READ_KEPT:
                _READ.popitem(last=False)
    return _renamed(known, file)


def _renamed(known, file):
    """Fresh lists of what a file read as, with `file` as the name its results carry."""
    name, entries, problems = known
    if name == file:
        return [Entry(e.intent, list(e.example_lines)) for e in entries], list(problems)
    return ([Entry(replace(e.intent, source=file), list(e.example_lines)) for e in entries],
            [replace(problem, file=file) for problem in problems])


class _FileReader:
    """Turns one file's bytes into intents, recording a `Problem` for each mistake."""

    def __init__(self, file):
        self.file = file
        self.problems = []

    def error(self, line, message):
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line, message):
        self.problems.append(Problem(self.file, line, message, "warning"))

    def read(self, data: bytes) -> list[Entry]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.error(data[: error.start].count(b"\n") + 1, "file is not valid UTF-8")
            return []
        try:
            document, repeated_keys = load_with_lines(text)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.error(mark.line + 1 if mark else 1, yaml_error_message(error))
            return []
        except YAMLError as error:  # ReaderError: a control character, no mark
            position = getattr(error, "position", 0) or 0
            self.error(text[:position].count("\n") + 1, f"invalid YAML: {error}")
            return []
        for line, key, first in repeated_keys:
            self.error(line, f'key "{key}" appears twice in the same mapping (first at line {first})')
        if document is None:
            self.error(1, "file is empty; expected `intents:` followed by a list of intents")
            return []
        if not isinstance(document, Map) or "intents" not in document:
            self.error(line_of(document) if isinstance(document, (Map, Seq)) else 1, "expected a mapping with an `intents:` list at the top")
            return []
        self.unknown_keys(document, ("intents",), "at the top level")
        items = document["intents"]
        if not isinstance(items, Seq):
            self.error(key_line(document, "intents"), f"`intents` must be a list, not {_kind(items)}")
            return []
        if not items:
            self.warn(key_line(document, "intents"), "this file defines no intents")
        entries = [self.intent(item, line) for item, line in zip(items, item_lines(items))]
        return [entry for entry in entries if entry]

    def unknown_keys(self, mapping, allowed, where):
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f'did you mean "{close[0]}"? ' if close else ""
                self.error(key_line(mapping, key),
                           f'unknown key "{key}" {where} ({hint}allowed: {", ".join(allowed)})')

    def intent(self, item, line):
        if not isinstance(item, Map):
            self.error(line, "each intent must be a mapping with id, title, answer and examples, "
                             f"not {_kind(item)}")
            return None
        self.unknown_keys(item, INTENT_KEYS, "in intent")
        intent_id = self.identifier(item)
        at = _key_lines(item).get
        title = self.by_language(item, "title", self.text)
        answers = self.by_language(item, "answer", self.texts)
        examples, example_lines = self.examples(item, at("examples"))
        if isinstance(item.get("answer"), Map):
            self.answer_languages(item["answer"], at("answer"), example_lines)
        replies = self.by_language(item, "quick_replies", self.texts)
        links = self.links(item["links"], at("links")) if "links" in item else ()
        handoff = item.get("handoff", False)
        if not isinstance(handoff, bool):
            self.error(at("handoff"), f"handoff must be true or false, not {_kind(handoff)}")
            handoff = False
        if not intent_id:
            return None
        intent = Intent(intent_id, title, answers, examples, replies, links, handoff, self.file,
                        line_of(item))
        return Entry(intent, example_lines)

    def identifier(self, item):
        """Check the required keys and the id; return the id if it is usable text."""
        intent_id = item.get("id")
        name = f'intent "{intent_id}"' if isinstance(intent_id, str) and intent_id else "intent"
        for key in REQUIRED_KEYS:
            if key not in item:
                self.error(line_of(item), f'{name} is missing "{key}"')
        if "id" not in item or not self.text(intent_id, key_line(item, "id"), "id"):
            return None
        if not _ID.match(intent_id):
            self.error(key_line(item, "id"),
                       f'bad id "{intent_id}": use lowercase letters, digits and _, starting with a letter')
        return str(intent_id)

    def answer_languages(self, answer, line, example_lines):
        """Require an answer in each language the examples are written in."""
        used = set().union(*(example_languages(text) for _, text in example_lines))
        for lang in sorted(used - answer.keys()):
            at, sample = next((n, text) for n, text in example_lines if lang in example_languages(text))
            self.error(line, f'no "{lang}" answer, but examples use {lang} (e.g. "{sample}" at line {at})')

    def examples(self, item, line):
        if "examples" not in item:
            return (), []
        values = item["examples"]
        if not isinstance(values, Seq):
            self.error(line, f"examples must be a list, not {_kind(values)}")
            return (), []
        kept = [(n, text) for value, n in zip(values, item_lines(values))
                if (text := self.text(value, n, "example"))]
        if len(kept) < MIN_EXAMPLES:
            self.error(line, f"only {len(kept)} example(s); "
                             f"write at least {MIN_EXAMPLES}, the way visitors would ask")
        return tuple(text for _, text in kept), kept

    def links(self, values, line):
        if not isinstance(values, Seq):
            self.error(line, f"links must be a list, not {_kind(values)}")
            return ()
        links = []
        for value, n in zip(values, item_lines(values)):
            if not isinstance(value, Map):
                self.error(n, f"each link must be a mapping with title and url, not {_kind(value)}")
                continue
            self.unknown_keys(value, LINK_KEYS, "in link")
            for key in LINK_KEYS:
                if key not in value:
                    self.error(line_of(value), f'link is missing "{key}"')
            title = self.by_language(value, "title", self.text, "link title")
            url = self.text(value["url"], key_line(value, "url"), "url") if "url" in value else None
            if url and not _URL.match(url):
                self.error(key_line(value, "url"),
                           f'bad url "{url}": use http:// or https://, or a path starting with /')
            if title and url:
                links.append(Link(title, url))
        return tuple(links)

    def by_language(self, mapping, key, read_one, what=None):
        """Read ``mapping[key]`` shaped ``{zh: ..., en: ...}``, each value by `read_one`; {} if absent."""
        if key not in mapping:
            return {}
        value, line, what = mapping[key], key_line(mapping, key), what or key
        if isinstance(value, Map) and not value:
            self.error(line, f"{what} is empty")
            return {}
        if not isinstance(value, Map):
            example = "{zh: ..., en: ...}"
            self.error(line, f"{what} must map languages to text, like {example}, not {_kind(value)}")
            return {}
        self.unknown_keys(value, LANGUAGES, f"in {what}")
        result = {}
        for lang in LANGUAGES:
            if lang in value and (text := read_one(value[lang], key_line(value, lang), f"{what} ({lang})")):
                result[lang] = text
        return result

    def texts(self, value, line, what):
        """Read one text or a list of texts into a tuple; `()` if unusable."""
        if isinstance(value, Seq):
            if not value:
                self.error(line, f"{what} is an empty list")
            texts = (self.text(item, n, what) for item, n in zip(value, item_lines(value)))
            return tuple(text for text in texts if text)
        text = self.text(value, line, what)
        return (text,) if text else ()

    def text(self, value, line, what):
        """Return `value` stripped if it is non-empty text, else record why not and return None."""
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, str) or value is None:
            self.error(line, f"{what} is empty")
        else:
            hint = "" if isinstance(value, (list, dict)) else " (put it in quotes)"
            if isinstance(value, bool):
                hint = " (YAML reads yes/no/on/off as true/false; put it in quotes)"
            self.error(line, f"{what} must be text, not {_kind(value)}{hint}")
        return None


def _key_lines(mapping):
    """Line of each key of ``mapping``."""
    return {key: key_line(mapping, key) for key in mapping}


def _kind(value):
    """Name what an editor wrote as they would say it: "a list", "true/false", the text quoted."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f'"{value}"'
    return f"a {type(value).__name__}"
