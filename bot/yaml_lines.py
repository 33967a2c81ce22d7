"""YAML that remembers where each value came from, so a problem can name its line.

PyYAML's `SafeLoader` forgets positions once it has built Python objects, and
silently keeps the last of two equal keys in a mapping. Editors need both: the
line of every key and list item, and a word when a key repeats (the first value
would otherwise vanish without notice). `LineLoader` builds `Map` and `Seq`,
plain `dict` and `list` subclasses that carry those lines, and collects the
repeated keys for the caller to report.
"""
import yaml

__all__ = ["Map", "Seq", "LineLoader", "yaml_error_message"]


class Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line = 0
    key_lines: dict = {}


class Seq(list):
    """A YAML sequence that remembers its line and the line of each item."""

    line = 0
    item_lines: list = []


class LineLoader(yaml.SafeLoader):
    """SafeLoader that builds `Map`/`Seq` and notes repeated keys, which YAML would drop.

    ``repeated_keys`` holds ``(line, key, first_line)`` for each key that
    appears again in the same mapping.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.repeated_keys = []


def _construct_map(loader, node):
    data = Map()
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
    data = Seq()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))
    data.item_lines = [item.start_mark.line + 1 for item in node.value]


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def yaml_error_message(error):
    """Say what PyYAML found wrong, with a hint for the two mistakes editors make most.

    Tabs and unquoted punctuation inside ``[...]`` produce messages that do not
    point at the fix, so the fix is added.
    """
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
