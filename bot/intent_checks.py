"""Checks that need every intent file at once: repeated ids and examples shared by intents.

A single file can look fine while clashing with another: two intents with one
id cannot both be trained, and the same (or nearly the same) example under two
intents teaches the classifier that one question has two answers. These checks
run on the entries `bot.intent_file` read from all files.
"""
from bot.intent_types import Problem
from bot.near_duplicates import near_duplicate_pairs
from bot.text import normalize

__all__ = ["check_duplicate_ids", "check_duplicate_examples"]


def check_duplicate_ids(entries):
    """Error on each intent whose id an earlier intent already has, pointing at the first."""
    first = {}
    for entry in entries:
        intent = entry.intent
        if intent.id in first:
            other = first[intent.id]
            yield Problem(intent.source, intent.line,
                          f'duplicate id "{intent.id}" (also at {other.source}:{other.line})')
        else:
            first[intent.id] = intent


def check_duplicate_examples(entries, *, near_duplicates=True):
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
    if not near_duplicates:
        return
    texts, owners = [key for *_, key in distinct], [index for index, *_ in distinct]
    for a, b in near_duplicate_pairs(texts, owners):
        (index_a, line_a, raw_a, _), (index_b, line_b, raw_b, _) = distinct[a], distinct[b]
        intent_a, intent_b = entries[index_a].intent, entries[index_b].intent
        yield Problem(intent_b.source, line_b, f'example "{raw_b}" is nearly the same as "{raw_a}" '
                      f'under {intent_a.id} at {intent_a.source}:{line_a}', "warning")
