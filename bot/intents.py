"""Load the FAQ's intent files and check them, naming file and line for every problem.

Content editors, not programmers, write the YAML under ``intents/`` (the format
is in ``docs/intents.md``). `validate_intents` therefore never stops at the
first mistake: it reads every file, collects every problem with its location,
and still returns whatever intents it could read. `load_intents` is the strict
entry point for training: it refuses a set with errors.
"""
import difflib
import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import yaml

from bot.text import CJK_RANGES, LANGUAGES, example_languages, normalize

__all__ = [
    "Problem", "IntentFileError", "ValidationReport", "Link", "Intent", "IntentSet",
    "load_intents", "validate_intents", "fingerprint_dir",
]

INTENT_KEYS = ("id", "title", "answer", "examples", "quick_replies", "links", "handoff")
REQUIRED_KEYS = ("id", "title", "answer", "examples")
LINK_KEYS = ("title", "url")
MIN_EXAMPLES = 5
NEAR_DUPLICATE_JACCARD = 0.85

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_URL = re.compile(r"(https?://[^\s/]+|/(?!/))\S*\Z")
_TOKEN = re.compile(f"[{CJK_RANGES}]|[^\\W{CJK_RANGES}]+")
_PUNCTUATION = re.compile(r"[^\w\s]+")


@dataclass(frozen=True)
class Problem:
    """One finding of the validator, printed like a compiler message."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity}: {self.message}"


class IntentFileError(Exception):
    """The intent files have errors; ``.problems`` lists them all, warnings included."""

    def __init__(self, problems):
        self.problems = list(problems)
        errors = [str(p) for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in intent files:\n" + "\n".join(errors))


@dataclass(frozen=True)
class Link:
    """A link shown under an answer; `url` is absolute http(s) or a site path."""

    title: dict[str, str] = field(hash=False)
    url: str


@dataclass(frozen=True)
class Intent:
    """One question the bot can answer, with the examples it learns it from."""

    id: str
    title: dict[str, str] = field(hash=False)
    answers: dict[str, tuple[str, ...]] = field(hash=False)
    examples: tuple[str, ...]
    quick_replies: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    links: tuple[Link, ...] = ()
    handoff: bool = False
    source: str = ""
    line: int = 0

    def answer(self, lang: str, index: int = 0) -> str:
        """Return answer variant `index` (wrapping around) in `lang`, else in another language.

        Validation guarantees an answer for every language the examples use,
        but a visitor may still write in a language the intent does not cover;
        a reply in the other language beats no reply.
        """
        variants = _in_language(self.answers, lang)
        return variants[index % len(variants)] if variants else ""

    def title_for(self, lang: str) -> str:
        """Return the title in `lang`, falling back to another language."""
        return _in_language(self.title, lang) or self.id


def _in_language(texts, lang):
    for candidate in (lang, *LANGUAGES, *texts):
        if texts.get(candidate):
            return texts[candidate]
    return None


@dataclass(frozen=True)
class IntentSet:
    """The intents of an FAQ in file order, and a fingerprint of the files they came from."""

    intents: tuple[Intent, ...]
    fingerprint: str

    def __iter__(self):
        return iter(self.intents)

    def __len__(self):
        return len(self.intents)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("by_id", None)  # a cached mappingproxy, which pickle cannot store
        return state

    @cached_property
    def by_id(self):
        """Read-only mapping from intent id to `Intent`."""
        return MappingProxyType({intent.id: intent for intent in self.intents})

    @property
    def ids(self) -> tuple[str, ...]:
        """Intent ids in file order."""
        return tuple(intent.id for intent in self.intents)

    def training_pairs(self) -> tuple[list[str], list[str]]:
        """Return ``(texts, labels)``: every example, raw, with its intent id.

        Examples are not normalised here so that the pipeline applies
        `bot.text.normalize` itself, the same way at training and prediction.
        """
        pairs = [(example, intent.id) for intent in self.intents for example in intent.examples]
        return [text for text, _ in pairs], [label for _, label in pairs]


@dataclass(frozen=True)
class ValidationReport:
    """Every problem found, sorted by place, and the intents that could be read.

    `intents` holds each intent whose entry had a text id (the first one when
    ids repeat), even if some of its fields were wrong, so a summary can count
    them; use `load_intents` to get a set that is safe to train on.
    """

    problems: tuple[Problem, ...]
    intents: IntentSet

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings allowed)."""
        return not self.errors


def load_intents(path) -> IntentSet:
    """Read and validate the intent files under `path`, for training or serving.

    Parameters
    ----------
    path : str or os.PathLike
        Directory searched recursively for ``*.yaml`` and ``*.yml`` files.

    Returns
    -------
    IntentSet

    Raises
    ------
    IntentFileError
        If validation finds any error; a model trained on a broken FAQ would
        silently answer wrong, so there is no lenient mode.
    """
    report = validate_intents(path)
    if not report.ok:
        raise IntentFileError(report.problems)
    return report.intents


def validate_intents(path) -> ValidationReport:
    """Check the intent files under `path` and collect every problem with its file and line.

    Never raises on bad content (bad YAML, wrong structure, missing
    directory), so that an editor sees all problems in one run.

    Parameters
    ----------
    path : str or os.PathLike
        Directory searched recursively for ``*.yaml`` and ``*.yml`` files;
        file names in problems are this path joined with the file's name.

    Returns
    -------
    ValidationReport
    """
    root = Path(path)
    if not root.is_dir():
        report = [Problem(str(path), 0, "no such directory")]
        return ValidationReport(tuple(report), IntentSet((), fingerprint_dir(root)))
    files = [(name, (root / name).read_bytes()) for name in _intent_file_names(root)]
    problems, entries = [], []
    for name, data in files:
        reader = _FileReader(str(root / name))
        entries += reader.read(data)
        problems += reader.problems
    if not files:
        problems.append(Problem(str(path), 0, "no .yaml or .yml files found"))
    problems += _check_duplicate_ids(entries)
    problems += _check_duplicate_examples(entries)
    intents, seen = [], set()
    for entry in entries:
        if entry.intent.id not in seen:
            seen.add(entry.intent.id)
            intents.append(entry.intent)
    problems.sort(key=lambda problem: (problem.file, problem.line))
    return ValidationReport(tuple(problems), IntentSet(tuple(intents), _fingerprint(files)))


def fingerprint_dir(path) -> str:
    """Hash the intent files under `path` without parsing them.

    Equal to `IntentSet.fingerprint` for the same files, so a saved model can
    be checked for staleness cheaply: any edit, added, removed or renamed file
    changes it.
    """
    root = Path(path)
    names = _intent_file_names(root) if root.is_dir() else []
    return _fingerprint((name, (root / name).read_bytes()) for name in names)


def _intent_file_names(root):
    """Relative POSIX names of the YAML files under `root`, sorted, skipping hidden ones."""
    names = []
    for file in root.rglob("*"):
        relative = file.relative_to(root)
        if (file.suffix in (".yaml", ".yml") and file.is_file()
                and not any(part.startswith(".") for part in relative.parts)):
            names.append(relative.as_posix())
    return sorted(names)


def _fingerprint(files):
    digest = hashlib.sha256()
    for name, data in files:
        encoded = name.encode()
        for chunk in (encoded, data):
            digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return digest.hexdigest()


# --- YAML with line numbers -------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line = 0
    key_lines: dict = {}


class _Seq(list):
    """A YAML sequence that remembers its line and the line of each item."""

    line = 0
    item_lines: list = []


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds `_Map`/`_Seq` and notes repeated keys, which YAML would drop."""

    def __init__(self, stream):
        super().__init__(stream)
        self.repeated_keys = []


def _construct_map(loader, node):
    data = _Map()
    data.line = node.start_mark.line + 1
    yield data
    first_lines = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            line = key_node.start_mark.line + 1
            if key_node.value in first_lines:
                loader.repeated_keys.append((line, key_node.value, first_lines[key_node.value]))
            first_lines.setdefault(key_node.value, line)
    data.update(loader.construct_mapping(node))
    data.key_lines = {loader.construct_object(k): k.start_mark.line + 1 for k, _ in node.value}


def _construct_seq(loader, node):
    data = _Seq()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))
    data.item_lines = [item.start_mark.line + 1 for item in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _yaml_error_message(error):
    message = f"invalid YAML: {error.problem or error}"
    if getattr(error, "context", None):
        context_mark = error.context_mark
        at = f" at line {context_mark.line + 1}" if context_mark else ""
        message += f" ({error.context}{at})"
    if "'\\t'" in message:
        message += "; indent with spaces, not tabs"
    elif "flow" in message:
        message += "; inside [...] and {...}, put texts containing ? : , [ ] { } in quotes"
    return message


# --- Reading one file -------------------------------------------------------


@dataclass
class _Entry:
    intent: Intent
    example_lines: list  # (line, raw example) for each example kept


class _FileReader:
    """Turns one file's bytes into intents, recording a `Problem` for each mistake."""

    def __init__(self, file):
        self.file = file
        self.problems = []

    def error(self, line, message):
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line, message):
        self.problems.append(Problem(self.file, line, message, "warning"))

    def read(self, data: bytes) -> list[_Entry]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.error(data[: error.start].count(b"\n") + 1, "file is not valid UTF-8")
            return []
        loader = _LineLoader(text)
        try:
            document = loader.get_single_data()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.error(mark.line + 1 if mark else 1, _yaml_error_message(error))
            return []
        except yaml.YAMLError as error:  # ReaderError: a control character, no mark
            position = getattr(error, "position", 0)
            self.error(text[:position].count("\n") + 1, f"invalid YAML: {error}")
            return []
        finally:
            loader.dispose()
        for line, key, first in loader.repeated_keys:
            self.error(line, f'key "{key}" appears twice in the same mapping (first at line {first})')
        if document is None:
            self.error(1, "file is empty; expected `intents:` followed by a list of intents")
            return []
        if not isinstance(document, _Map) or "intents" not in document:
            self.error(getattr(document, "line", 1), "expected a mapping with an `intents:` list at the top")
            return []
        self.unknown_keys(document, ("intents",), "at the top level")
        items = document["intents"]
        if not isinstance(items, _Seq):
            self.error(document.key_lines["intents"], f"`intents` must be a list, not {_kind(items)}")
            return []
        if not items:
            self.warn(document.key_lines["intents"], "this file defines no intents")
        entries = [self.intent(item, line) for item, line in zip(items, items.item_lines)]
        return [entry for entry in entries if entry]

    def unknown_keys(self, mapping, allowed, where):
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f'did you mean "{close[0]}"? ' if close else ""
                self.error(mapping.key_lines[key],
                           f'unknown key "{key}" {where} ({hint}allowed: {", ".join(allowed)})')

    def intent(self, item, line):
        if not isinstance(item, _Map):
            self.error(line, "each intent must be a mapping with id, title, answer and examples, "
                             f"not {_kind(item)}")
            return None
        self.unknown_keys(item, INTENT_KEYS, "in intent")
        intent_id = self.identifier(item)
        at = item.key_lines.get
        title = self.by_language(item, "title", self.text)
        answers = self.by_language(item, "answer", self.texts)
        examples, example_lines = self.examples(item, at("examples"))
        if isinstance(item.get("answer"), _Map):
            self.answer_languages(item["answer"], at("answer"), example_lines)
        replies = self.by_language(item, "quick_replies", self.texts)
        links = self.links(item["links"], at("links")) if "links" in item else ()
        handoff = item.get("handoff", False)
        if not isinstance(handoff, bool):
            self.error(at("handoff"), f"handoff must be true or false, not {_kind(handoff)}")
            handoff = False
        if not intent_id:
            return None
        intent = Intent(intent_id, title, answers, examples, replies, links, handoff, self.file, item.line)
        return _Entry(intent, example_lines)

    def identifier(self, item):
        """Check the required keys and the id; return the id if it is usable text."""
        intent_id = item.get("id")
        name = f'intent "{intent_id}"' if isinstance(intent_id, str) and intent_id else "intent"
        for key in REQUIRED_KEYS:
            if key not in item:
                self.error(item.line, f'{name} is missing "{key}"')
        if "id" not in item or not self.text(intent_id, item.key_lines["id"], "id"):
            return None
        if not _ID.match(intent_id):
            self.error(item.key_lines["id"],
                       f'bad id "{intent_id}": use lowercase letters, digits and _, starting with a letter')
        return intent_id

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
        if not isinstance(values, _Seq):
            self.error(line, f"examples must be a list, not {_kind(values)}")
            return (), []
        kept = [(n, text) for value, n in zip(values, values.item_lines)
                if (text := self.text(value, n, "example"))]
        if len(kept) < MIN_EXAMPLES:
            self.error(line, f"only {len(kept)} example(s); "
                             f"write at least {MIN_EXAMPLES}, the way visitors would ask")
        return tuple(text for _, text in kept), kept

    def links(self, values, line):
        if not isinstance(values, _Seq):
            self.error(line, f"links must be a list, not {_kind(values)}")
            return ()
        links = []
        for value, n in zip(values, values.item_lines):
            if not isinstance(value, _Map):
                self.error(n, f"each link must be a mapping with title and url, not {_kind(value)}")
                continue
            self.unknown_keys(value, LINK_KEYS, "in link")
            for key in LINK_KEYS:
                if key not in value:
                    self.error(value.line, f'link is missing "{key}"')
            title = self.by_language(value, "title", self.text, "link title")
            url = self.text(value["url"], value.key_lines["url"], "url") if "url" in value else None
            if url and not _URL.match(url):
                self.error(value.key_lines["url"],
                           f'bad url "{url}": use http:// or https://, or a path starting with /')
            if title and url:
                links.append(Link(title, url))
        return tuple(links)

    def by_language(self, mapping, key, read_one, what=None):
        """Read ``mapping[key]`` shaped ``{zh: ..., en: ...}``, each value by `read_one`; {} if absent."""
        if key not in mapping:
            return {}
        value, line, what = mapping[key], mapping.key_lines[key], what or key
        if isinstance(value, _Map) and not value:
            self.error(line, f"{what} is empty")
            return {}
        if not isinstance(value, _Map):
            example = "{zh: ..., en: ...}"
            self.error(line, f"{what} must map languages to text, like {example}, not {_kind(value)}")
            return {}
        self.unknown_keys(value, LANGUAGES, f"in {what}")
        result = {}
        for lang in LANGUAGES:
            if lang in value and (text := read_one(value[lang], value.key_lines[lang], f"{what} ({lang})")):
                result[lang] = text
        return result

    def texts(self, value, line, what):
        """Read one text or a list of texts into a tuple; `()` if unusable."""
        if isinstance(value, _Seq):
            if not value:
                self.error(line, f"{what} is an empty list")
            texts = (self.text(item, n, what) for item, n in zip(value, value.item_lines))
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


def _kind(value):
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


# --- Checks across files ----------------------------------------------------


def _check_duplicate_ids(entries):
    first = {}
    for entry in entries:
        intent = entry.intent
        if intent.id in first:
            other = first[intent.id]
            yield Problem(intent.source, intent.line,
                          f'duplicate id "{intent.id}" (also at {other.source}:{other.line})')
        else:
            first[intent.id] = intent


def _check_duplicate_examples(entries):
    """Error on the same normalised example under two intents; warn on near-duplicates."""
    seen = {}  # normalised example -> (entry index, line, raw)
    distinct = []  # (entry index, line, raw, normalised), first occurrence of each
    for index, entry in enumerate(entries):
        intent = entry.intent
        for line, raw in entry.example_lines:
            key = normalize(raw)
            if key not in seen:
                seen[key] = (index, line, raw)
                distinct.append((index, line, raw, key))
                continue
            other_index, other_line, other_raw = seen[key]
            other = entries[other_index].intent
            if other_index == index:
                message = f'example "{raw}" repeats line {other_line} of the same intent'
                yield Problem(intent.source, line, message, "warning")
            else:
                message = f'duplicate example "{raw}" (also under {other.id} at {other.source}:{other_line})'
                yield Problem(intent.source, line, message)
    texts, owners = [key for *_, key in distinct], [index for index, *_ in distinct]
    for a, b in _near_duplicate_pairs(texts, owners):
        (index_a, line_a, raw_a, _), (index_b, line_b, raw_b, _) = distinct[a], distinct[b]
        intent_a, intent_b = entries[index_a].intent, entries[index_b].intent
        yield Problem(intent_b.source, line_b, f'example "{raw_b}" is nearly the same as "{raw_a}" '
                      f'under {intent_a.id} at {intent_a.source}:{line_a}', "warning")


def _near_duplicate_pairs(texts, groups, threshold=NEAR_DUPLICATE_JACCARD):
    """Index pairs ``(i, j)``, ``i < j``, of normalised texts in different groups that are too alike.

    Ignoring punctuation, two texts are too alike when their character 3-gram
    sets have Jaccard similarity >= `threshold`, or when one is the other plus
    a single token (a word, or one CJK character) and has at least four
    tokens, so that "shipping" and "shipping cost" stay apart.
    """
    stripped = [" ".join(_PUNCTUATION.sub(" ", text).split()) for text in texts]
    pairs = _similar_trigram_pairs(stripped, threshold) | _one_token_apart_pairs(stripped)
    return sorted((i, j) for i, j in pairs if groups[i] != groups[j])


def _similar_trigram_pairs(texts, threshold):
    """All-pairs Jaccard search with prefix filtering, in time near-linear for typical FAQs.

    Each text's 3-grams are ordered rarest first; two sets with Jaccard >= t
    must share a gram within the first ``n - ceil(t * n) + 1`` of each, so
    only those prefixes are indexed and probed.
    """
    grams = [{f" {text} "[k:k + 3] for k in range(len(text))} for text in texts]
    frequency = Counter(gram for gram_set in grams for gram in gram_set)
    index, pairs = defaultdict(list), set()
    for i, gram_set in enumerate(grams):
        size = len(gram_set)
        prefix = sorted(gram_set, key=lambda gram: (frequency[gram], gram))
        prefix = prefix[: size - math.ceil(threshold * size - 1e-9) + 1]
        candidates = {j for gram in prefix for j in index[gram]}
        for gram in prefix:
            index[gram].append(i)
        for j in candidates:
            shared = len(gram_set & grams[j])
            if shared >= threshold * (size + len(grams[j]) - shared):
                pairs.add((j, i))
    return pairs


def _one_token_apart_pairs(texts):
    tokens = [tuple(_TOKEN.findall(text)) for text in texts]
    by_tokens = defaultdict(list)
    for i, toks in enumerate(tokens):
        by_tokens[toks].append(i)
    pairs = set()
    for j, toks in enumerate(tokens):
        if len(toks) >= 4:
            for k in range(len(toks)):
                pairs.update((min(i, j), max(i, j)) for i in by_tokens.get(toks[:k] + toks[k + 1:], ()))
    return pairs
