"""What reading the intent files produces: the intents, and the problems found in them.

These values sit below every other intent module (the file reader builds them,
the cross-file checks report with them, training and serving consume them), so
they live apart from the code that makes them and import nothing of it.
`bot.intents` re-exports them; import them from there.
"""
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from bot.text import LANGUAGES

__all__ = ["Problem", "IntentFileError", "Link", "Intent", "IntentSet", "ValidationReport"]


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
        variants = in_language(self.answers, lang)
        return variants[index % len(variants)] if variants else ""

    def title_for(self, lang: str) -> str:
        """Return the title in `lang`, falling back to another language."""
        return in_language(self.title, lang) or self.id


def in_language(texts, lang):
    """The text for ``lang`` in a per-language mapping, else the first other one there is."""
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
