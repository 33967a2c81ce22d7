"""The intent files as the FAQ studio reads and writes them: named safely, changed atomically.

The files under ``INTENTS_DIR`` stay the source of truth, and people also edit
them with git; so the studio never keeps a copy. Every page reads the files,
every form carries the version (a hash of the bytes) of each file it was built
from, and a save is refused when a file changed since: nothing is overwritten
that the editor did not see. Writes go to a temporary file in the same folder
and are moved into place (``os.replace``), under a lock, so a reader (the bot
loading, a validator, another editor) sees the old file or the new one.

Names come from the browser and are checked before they touch the disk: a file
name is one or more ``[a-z0-9][a-z0-9_-]*`` parts ending in ``.yaml``, so no
``..``, no absolute path, no hidden file; the resolved path must stay inside
the folder. Sizes are bounded, and YAML is loaded safely (round-trip mode
builds only mappings, lists and scalars).
"""
import copy
import fcntl
import functools
import hashlib
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.intent_edit import EditError, read_drafts
from bot.intents import validate_intents
from bot.yaml_lines import YAMLError

__all__ = ["IntentStore", "StoreError", "Snapshot", "Listed", "INTENT_ID", "MAX_FILE_BYTES"]

#: A file the studio reads or writes is at most this large (the biggest demo file is ~20 KB).
MAX_FILE_BYTES = 512 * 1024
INTENT_ID = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_FILE_PART = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
LOCK_FILE = ".studio.lock"


class StoreError(Exception):
    """A refused read or write, with the HTTP status a page should answer and a message.

    ``kind`` is ``not_found``, ``invalid`` or ``conflict``.
    """

    STATUS = {"not_found": 404, "invalid": 400, "conflict": 409}

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = self.STATUS[kind]


@dataclass(frozen=True)
class Snapshot:
    """One file as read: its name, text and version (sha256 of the bytes)."""

    name: str
    text: str
    version: str


@dataclass(frozen=True)
class Listed:
    """An intent found in a file, for lists and look-ups."""

    file: str
    draft: object  # bot.intent_edit.IntentDraft


def version_of(data: bytes) -> str:
    """The version a form carries for a file: the hash of its bytes."""
    return hashlib.sha256(data).hexdigest()


def check_intent_id(intent_id) -> str:
    """``intent_id`` if it is a valid id (the validator's rule), else `StoreError`."""
    if not isinstance(intent_id, str) or not INTENT_ID.match(intent_id):
        raise StoreError("invalid", "An intent id is lowercase letters, digits and _, starting "
                                    "with a letter (at most 64). · 意图 id 只能用小写字母、数字和 _，"
                                    "以字母开头（最多 64 个字符）。")
    return intent_id


class IntentStore:
    """The intent folder: list, read, validate and write its files."""

    def __init__(self, root, max_file_bytes=MAX_FILE_BYTES, *, lock_path=None):
        self.root = Path(root).resolve()
        self.max_file_bytes = max_file_bytes
        self.lock_path = Path(lock_path) if lock_path else self.root / LOCK_FILE

    # --- names ---------------------------------------------------------------

    def check_name(self, name) -> str:
        """``name`` if it is a safe intent file name inside the folder, else `StoreError`."""
        bad = StoreError("invalid", "A file name is like `shipping.yaml` or `topic/more.yaml`: "
                                    "lowercase letters, digits, - and _. · 文件名形如 "
                                    "shipping.yaml：小写字母、数字、- 和 _。")
        if not isinstance(name, str) or len(name) > 200 or not name.endswith((".yaml", ".yml")):
            raise bad
        stem = name.rsplit(".", 1)[0]
        parts = stem.split("/")
        if not all(_FILE_PART.match(part) for part in parts):
            raise bad
        path = (self.root / name).resolve()
        if self.root not in path.parents:
            raise bad
        return name

    def names(self) -> list:
        """The intent files, as names relative to the folder, sorted (as the validator reads)."""
        found = []
        for file in self.root.rglob("*.y*ml"):
            relative = file.relative_to(self.root).as_posix()
            if file.is_file() and not any(part.startswith(".") for part in relative.split("/")):
                found.append(relative)
        return sorted(found)

    # --- reading -------------------------------------------------------------

    def read(self, name) -> Snapshot:
        """The file ``name`` now; `StoreError` if missing, too large or not UTF-8."""
        path = self.root / self.check_name(name)
        try:
            size = path.stat().st_size
            if size > self.max_file_bytes:
                raise StoreError("invalid", f"{name} is larger than {self.max_file_bytes} bytes.")
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError("not_found", f"No file {name}. · 没有文件 {name}。") from None
        try:
            return Snapshot(name, data.decode("utf-8-sig"), version_of(data))
        except UnicodeDecodeError:
            raise StoreError("invalid", f"{name} is not UTF-8 text.") from None

    def listing(self):
        """``(intents, unreadable)``: every intent of every readable file, and the files that
        could not be read as YAML (run the validator for their problems)."""
        intents, unreadable = [], []
        for name in self.names():
            try:
                drafts = _parsed(self.read(name).text)
            except (StoreError, YAMLError, EditError):
                unreadable.append(name)
                continue
            intents += [Listed(name, draft) for draft in drafts]
        return intents, unreadable

    def find(self, intent_id):
        """``(snapshot, draft)`` of the intent with this id; `StoreError` if none."""
        check_intent_id(intent_id)
        for name in self.names():
            try:
                snapshot = self.read(name)
                drafts = _parsed(snapshot.text)
            except (StoreError, YAMLError, EditError):
                continue
            for draft in drafts:
                if draft.id == intent_id:
                    return snapshot, copy.deepcopy(draft)
        raise StoreError("not_found", f'No intent "{intent_id}". · 没有意图 "{intent_id}"。')

    # --- checking and writing ---------------------------------------------------

    def validate(self, changes=None):
        """The validator's report with ``changes`` ({name: new text}) in place of the files.

        Problems name files relative to the folder, as the studio shows them.
        """
        overrides = {name: text.encode("utf-8") for name, text in (changes or {}).items()}
        report = validate_intents(self.root, overrides=overrides)
        prefix = str(self.root) + os.sep
        problems = [type(p)(p.file[len(prefix):] if p.file.startswith(prefix) else p.file,
                            p.line, p.message.replace(prefix, ""), p.severity)
                    for p in report.problems]
        return problems, report

    def write(self, changes: dict, versions: dict) -> None:
        """Write ``{name: text}``, each only if the file is still at ``versions[name]``.

        A new file has version ``""`` and must not exist yet. Nothing is written
        unless every file is as the editor last saw it (`StoreError` ``conflict``).
        """
        encoded = {}
        for name, text in changes.items():
            self.check_name(name)
            data = text.encode("utf-8")
            if len(data) > self.max_file_bytes:
                raise StoreError("invalid", f"{name} would be larger than "
                                            f"{self.max_file_bytes} bytes.")
            encoded[name] = data
        with self._lock():
            for name in encoded:
                path = self.root / name
                current = version_of(path.read_bytes()) if path.exists() else ""
                if current != versions.get(name):
                    raise StoreError("conflict", (
                        f"{name} was changed by someone else (or with git) after you opened "
                        f"it; nothing was saved. Reload to see the new version and make your "
                        f"change again. · {name} 在您打开后已被他人（或 git）修改，本次未保存。"
                        f"请重新加载后再改。"))
            for name, data in encoded.items():
                _atomic_write(self.root / name, data)

    @contextmanager
    def _lock(self):
        """One writer at a time on this folder, across processes on this host."""
        with open(self.lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> tuple:
    """The drafts of a file's text, parsed once per distinct text (round trip is slow).

    Shared between callers: read them, copy before changing one.
    """
    return tuple(read_drafts(text))


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, keeping its permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
