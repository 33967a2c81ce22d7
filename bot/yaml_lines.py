"""The FAQ's one YAML library: read with the line of every value, write back keeping the file.

Editors need two things from YAML that PyYAML's `SafeLoader` cannot give: the
line of every key and list item (so a problem names its line), and a word
when a key repeats (YAML would otherwise keep one value without notice). The
FAQ studio needs a third: to write an edited file back with its comments, key
order, quoting and indentation intact, so that a browser edit and a git edit
look alike in a diff. ruamel.yaml's round-trip mode does all three, so both
the validator and the writer go through this module.

Loading is safe: the round-trip constructor builds only mappings, sequences
and scalars (tags name no Python classes), whatever the file says.

Scalars are resolved by YAML 1.1 rules (``yes`` is true, ``2024-05-12`` a
date), the way PyYAML and most other tools read these files, without writing
a ``%YAML 1.1`` directive; the writer therefore quotes a new ``yes`` example.
"""
import io
import re

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.resolver import VersionedResolver

__all__ = ["Map", "Seq", "YAMLError", "MarkedYAMLError", "load_with_lines", "load_round_trip",
           "dump_round_trip", "line_of", "key_line", "item_lines", "yaml_error_message"]

#: What the round-trip loader builds for mappings and sequences (dict and list subclasses).
Map = CommentedMap
Seq = CommentedSeq


class _Yaml11Resolver(VersionedResolver):
    """Resolve plain scalars by YAML 1.1 rules when loading and dumping, with no directive."""

    @property
    def processing_version(self):
        return (1, 1)


class _RecordingConstructor(RoundTripConstructor):
    """Round-trip constructor that notes each repeated key instead of stopping at it.

    The first value is kept; ``repeated_keys`` gets ``(line, key, first_line)``.
    """

    def check_mapping_key(self, node, key_node, mapping, key, value):
        if key in mapping:
            first = next((k.start_mark.line + 1 for k, _ in node.value
                          if getattr(k, "value", None) == getattr(key_node, "value", object())),
                         None)
            self.loader.repeated_keys.append((key_node.start_mark.line + 1, key, first))
            return False
        return True


def _yaml(indent=None):
    yaml = YAML(typ="rt")
    yaml.Resolver = _Yaml11Resolver
    yaml.Constructor = _RecordingConstructor
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = True
    yaml.width = 4096  # never fold a long answer line the editor wrote on one line
    mapping, sequence, offset = indent or (2, 4, 2)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.repeated_keys = []
    return yaml


def load_with_lines(text: str):
    """Parse ``text``; return ``(document, repeated_keys)``.

    Raises `YAMLError` (a `MarkedYAMLError` with the position, when there is
    one) on invalid YAML.
    """
    yaml = _yaml()
    document = yaml.load(text)
    return document, yaml.repeated_keys


def load_round_trip(text: str):
    """Parse ``text`` for editing; return ``(document, handle)`` where the handle dumps it back."""
    yaml = _yaml(guess_indent(text))
    return yaml.load(text), yaml


def dump_round_trip(document, handle) -> str:
    """The text of ``document`` as `load_round_trip` read it, with the changes made since."""
    out = io.StringIO()
    handle.dump(document, out)
    return out.getvalue()


_SEQ_ITEM = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^\s#-][^:]*:(\s|$)")


def guess_indent(text: str):
    """``(mapping, sequence, offset)`` indentation the file itself uses, for the writer.

    The offset is how far a ``-`` sits inside its parent key; the sequence
    indent is where the item's content starts. Files in ``intents/`` use
    ``(2, 4, 2)``; a file written with dashes flush under their key gets
    ``(2, 2, 0)``.
    """
    lines = text.splitlines()
    mapping = None
    for previous, line in zip(lines, lines[1:]):
        key, child = _KEY.match(previous), re.match(r"^( *)\S", line)
        if key and child and previous.rstrip().endswith(":"):
            depth = len(child.group(1)) - len(key.group(1))
            item = _SEQ_ITEM.match(line)
            if item:
                offset = depth
                return (mapping or 2, offset + 2, offset)
            if depth > 0 and mapping is None:
                mapping = depth
    return (mapping or 2, (mapping or 2) + 2, mapping or 2)


def line_of(node) -> int:
    """1-based line where a mapping or sequence starts."""
    return node.lc.line + 1


def key_line(mapping, key) -> int:
    """1-based line of ``key`` in ``mapping``."""
    return mapping.lc.key(key)[0] + 1


def item_lines(seq) -> list:
    """1-based line of each item of ``seq``."""
    return [seq.lc.item(i)[0] + 1 for i in range(len(seq))]


def yaml_error_message(error):
    """Say what the parser found wrong, with a hint for the two mistakes editors make most.

    Tabs and unquoted punctuation inside ``[...]`` produce messages that do not
    point at the fix, so the fix is added.
    """
    message = f"invalid YAML: {getattr(error, 'problem', None) or error}"
    if getattr(error, "context", None):
        context_mark = error.context_mark
        at = f" at line {context_mark.line + 1}" if context_mark else ""
        message += f" ({error.context}{at})"
    if "'\\t'" in message:
        message += "; indent with spaces, not tabs"
    elif "flow" in message:
        message += "; inside [...] and {...}, put texts containing ? : , [ ] { } in quotes"
    return message
