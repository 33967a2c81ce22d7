"""Load the FAQ's intent files and check them, naming file and line for every problem.

Content editors, not programmers, write the YAML under ``intents/`` (the format
is in ``docs/intents.md``). `validate_intents` therefore never stops at the
first mistake: it reads every file, collects every problem with its location,
and still returns whatever intents it could read. `load_intents` is the strict
entry point for training: it refuses a set with errors.

This module is the public face of the intent files: it finds them, hashes them
and puts the work of its helpers together. The values it returns live in
`bot.intent_types`, the reading of one file in `bot.intent_file`, the checks
across files in `bot.intent_checks` (with the similarity search in
`bot.near_duplicates`), and line-aware YAML in `bot.yaml_lines`.
"""
import hashlib
from pathlib import Path

from bot.intent_checks import check_duplicate_examples, check_duplicate_ids
from bot.intent_file import read_intent_file
from bot.intent_types import Intent, IntentFileError, IntentSet, Link, Problem, ValidationReport

__all__ = [
    "Problem", "IntentFileError", "ValidationReport", "Link", "Intent", "IntentSet",
    "load_intents", "validate_intents", "fingerprint_dir",
]


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
    # Near-duplicate warnings are for editors (`bot validate`); loading only needs errors.
    report = validate_intents(path, near_duplicates=False)
    if not report.ok:
        raise IntentFileError(report.problems)
    return report.intents


def validate_intents(path, *, near_duplicates=True, overrides=None) -> ValidationReport:
    """Check the intent files under `path` and collect every problem with its file and line.

    Never raises on bad content (bad YAML, wrong structure, missing
    directory), so that an editor sees all problems in one run.

    Parameters
    ----------
    path : str or os.PathLike
        Directory searched recursively for ``*.yaml`` and ``*.yml`` files;
        file names in problems are this path joined with the file's name.
    near_duplicates : bool, default True
        Also search for nearly identical examples across intents (warnings only).
    overrides : dict of str to bytes or None, optional
        File contents to check instead of what is on disk, by name relative to
        `path` (None: as if the file were deleted), so that an edit can be
        validated with every other file before it is written.

    Returns
    -------
    ValidationReport
    """
    root = Path(path)
    if not root.is_dir():
        report = [Problem(str(path), 0, "no such directory")]
        return ValidationReport(tuple(report), IntentSet((), fingerprint_dir(root)))
    overrides = overrides or {}
    names = sorted(set(_intent_file_names(root)) | set(overrides))
    files = [(name, overrides[name] if name in overrides else (root / name).read_bytes())
             for name in names if overrides.get(name, b"") is not None]
    problems, entries = [], []
    for name, data in files:
        file_entries, file_problems = read_intent_file(str(root / name), data)
        entries += file_entries
        problems += file_problems
    if not files:
        problems.append(Problem(str(path), 0, "no .yaml or .yml files found"))
    problems += check_duplicate_ids(entries)
    problems += check_duplicate_examples(entries, near_duplicates=near_duplicates)
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
    """Hash ``(name, bytes)`` pairs in order.

    Each part is length-prefixed, so moving bytes from a name into its
    content, or from one file into the next, still changes the hash.
    """
    digest = hashlib.sha256()
    for name, data in files:
        encoded = name.encode()
        for chunk in (encoded, data):
            digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return digest.hexdigest()
