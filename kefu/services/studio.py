"""What the FAQ studio does: list intents with their figures, check and save edits, try the bot.

Views in :mod:`kefu.studio` parse a form into an `IntentDraft` and make one call
here. An edit is turned into new file text (:mod:`bot.intent_edit`), checked by
the same validator as ``bot validate`` with the new text in place of the file,
and written only when it has no errors, the editor asked to save, and the file
is still the version the editor opened (:class:`IntentStore`).
"""
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import case, func, literal, select

from bot.intent_edit import (
    EditError, IntentDraft, add_intent, move_examples, read_drafts, remove_intent,
    replace_intent, unified_diff,
)
from kefu.extensions import db
from kefu.models import Message, utcnow
from kefu.services.intent_store import IntentStore, StoreError, check_intent_id
from kefu.services.report_period import rate

__all__ = ["store", "EditOutcome", "intent_rows", "save_intent", "create_intent",
           "delete_intent", "move_intent_examples", "try_message", "STATS_DAYS"]

STATS_DAYS = 30
SORTS = ("id", "file", "examples", "hits", "helpful", "f1")


def store() -> IntentStore:
    """The intent folder of the current app."""
    cfg = current_app.config
    return IntentStore(cfg["INTENTS_DIR"], cfg["STUDIO_MAX_FILE_BYTES"],
                       lock_path=Path(current_app.instance_path) / "studio.lock")


@dataclass
class EditOutcome:
    """What a check or save found: the validator's problems, the diff, and whether it wrote."""

    saved: bool = False
    problems: list = field(default_factory=list)  # bot.intents.Problem, names relative
    diff: str = ""
    changed: bool = False  # the edit changes some file

    @property
    def errors(self):
        return [p for p in self.problems if p.severity == "error"]


# --- the list ------------------------------------------------------------------


def _hits_since(days):
    """``{intent: {"answered", "suggested", "voted", "helpful"}}`` from the bot's replies of
    the last days (votes: the visitors' thumbs on the answers)."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        select(Message.intent, Message.bot_action, func.count(), func.count(Message.helpful),
               func.sum(case((Message.helpful.is_(True), 1), else_=0)))
        .where(Message.sender == "bot", Message.intent.is_not(None), Message.created_at >= since)
        .group_by(Message.intent, Message.bot_action))
    hits = {}
    for intent, action, count, voted, helpful in rows:
        entry = hits.setdefault(intent, {"answered": 0, "suggested": 0, "voted": 0, "helpful": 0})
        if action == "answer":
            entry["answered"] += count
            entry["voted"] += voted
            entry["helpful"] += int(helpful or 0)
        elif action == "suggest":
            entry["suggested"] += count
    return hits


def _cv_f1():
    """Per-intent F1 of the last ``bot eval`` report (instance/reports/report.json), if any."""
    path = Path(current_app.config["STUDIO_REPORTS_DIR"]) / "report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {key: float(value["f1"]) for key, value in report["per_intent"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def intent_rows(query="", file="", sort="id", descending=False):
    """``(rows, files, unreadable)`` for the list page, filtered by ``query`` and ``file``.

    A row is a dict: id, file, line, title (per language), examples (count per
    language), hits and suggested (the last 30 days) and f1 (or None).
    """
    from bot.text import example_languages

    listed, unreadable = store().listing()
    hits, f1 = _hits_since(STATS_DAYS), _cv_f1()
    needle = (query or "").strip().lower()
    rows = []
    for item in listed:
        draft = item.draft
        if file and item.file != file:
            continue
        haystack = " ".join([draft.id, *draft.title.values(), *draft.examples]).lower()
        if needle and needle not in haystack:
            continue
        counts = {"zh": 0, "en": 0}
        for example in draft.examples:
            for lang in example_languages(example):
                counts[lang] = counts.get(lang, 0) + 1
        seen = hits.get(draft.id, {})
        rows.append({"id": draft.id, "file": item.file, "line": draft.line, "title": draft.title,
                     "examples": counts, "n_examples": len(draft.examples),
                     "hits": seen.get("answered", 0), "suggested": seen.get("suggested", 0),
                     "voted": seen.get("voted", 0),
                     "helpful": rate(seen.get("helpful", 0), seen.get("voted", 0)),
                     "f1": f1.get(draft.id), "handoff": draft.handoff})
    sort = sort if sort in SORTS else "id"
    key = {"id": lambda r: r["id"], "file": lambda r: (r["file"], r["line"]),
           "examples": lambda r: r["n_examples"], "hits": lambda r: r["hits"],
           "helpful": lambda r: (r["helpful"] is not None, r["helpful"] or 0.0),
           "f1": lambda r: (r["f1"] is not None, r["f1"] or 0.0)}[sort]
    rows.sort(key=key, reverse=bool(descending))
    return rows, sorted({item.file for item in listed}), unreadable


# --- edits ---------------------------------------------------------------------


def _check_and_maybe_write(changes, versions, write, logged=None):
    """Validate ``changes`` ({name: (old text, new text)}); write them when asked and clean.

    ``logged`` is ``(actor, action, intent id)``: a write is recorded in the audit log
    with its diff.  The files are the source of truth and are written first; the entry
    follows at once (a crash between the two loses an entry, never an edit).
    """
    problems, _ = store().validate({name: new for name, (_, new) in changes.items()})
    touched = set(changes)
    outcome = EditOutcome(
        problems=[p for p in problems if p.file in touched or p.severity == "error"],
        diff="".join(unified_diff(old, new, name) for name, (old, new) in changes.items()),
        changed=any(old != new for old, new in changes.values()))
    if write and outcome.changed and not outcome.errors:
        store().write({name: new for name, (old, new) in changes.items() if old != new}, versions)
        outcome.saved = True
        if logged is not None:
            _log_edit(*logged, files=sorted(n for n, (o, w) in changes.items() if o != w),
                      diff=outcome.diff)
    return outcome


#: How much of a diff an audit entry keeps (a whole file rewritten stays readable).
AUDIT_DIFF_CHARS = 20000


def _log_edit(actor, action, intent_id, *, files, diff):
    from kefu.services import audit

    if actor is None:
        return
    audit.record(actor, action, "intent", intent_id,
                 new={"files": files, "diff": diff[:AUDIT_DIFF_CHARS]})
    db.session.commit()


def _edit(snapshot_text, function, *args):
    try:
        return function(snapshot_text, *args)
    except EditError as error:
        raise StoreError("invalid", str(error)) from None


def save_intent(intent_id, file, version, draft: IntentDraft, *, write,
                actor=None, action="intent.update") -> EditOutcome:
    """Check (and with ``write``, save) ``draft`` as the new version of ``intent_id``.

    ``version`` is the file's version when the form was opened: an edit
    prepared on an old version is refused before anything is computed.
    """
    check_intent_id(intent_id)
    check_intent_id(draft.id)
    snapshot = store().read(file)
    if snapshot.version != version:
        raise StoreError("conflict", _changed_message(file))
    if draft.id != intent_id:
        _require_new_id(draft.id)
    new = _edit(snapshot.text, replace_intent, intent_id, draft)
    return _check_and_maybe_write({file: (snapshot.text, new)}, {file: version}, write,
                                  (actor, action, intent_id))


def create_intent(file, draft: IntentDraft, *, write, actor=None) -> EditOutcome:
    """Check (and save) a new intent at the end of ``file``; a new file is made if missing.

    Appending overwrites nothing anyone wrote: the new text is made from the
    file as it is now, and written only if it is still that version.
    """
    check_intent_id(draft.id)
    _require_new_id(draft.id)
    st = store()
    st.check_name(file)
    try:
        snapshot = st.read(file)
        old, version = snapshot.text, snapshot.version
    except StoreError as error:
        if error.kind != "not_found":
            raise
        old, version = "", ""
    new = _edit(old or "intents: []\n", add_intent, draft)
    return _check_and_maybe_write({file: (old, new)}, {file: version}, write,
                                  (actor, "intent.create", draft.id))


def delete_intent(intent_id, file, version, *, write, actor=None) -> EditOutcome:
    """Check (and save) ``file`` without ``intent_id``."""
    check_intent_id(intent_id)
    snapshot = store().read(file)
    if snapshot.version != version:
        raise StoreError("conflict", _changed_message(file))
    new = _edit(snapshot.text, remove_intent, intent_id)
    return _check_and_maybe_write({file: (snapshot.text, new)}, {file: version}, write,
                                  (actor, "intent.delete", intent_id))


def move_intent_examples(intent_id, file, version, target_id, examples, *, write,
                         actor=None) -> EditOutcome:
    """Move ``examples`` from ``intent_id`` to ``target_id`` (possibly in another file)."""
    check_intent_id(intent_id)
    check_intent_id(target_id)
    if target_id == intent_id:
        raise StoreError("invalid", "Pick another intent to move the examples to. · "
                                    "请选择另一个意图。")
    st = store()
    snapshot = st.read(file)
    if snapshot.version != version:
        raise StoreError("conflict", _changed_message(file))
    target_snapshot, target = st.find(target_id)
    examples = list(examples)
    if target_snapshot.name == file:
        new = _edit(snapshot.text, move_examples, intent_id, target_id, examples)
        return _check_and_maybe_write({file: (snapshot.text, new)}, {file: version}, write,
                                      (actor, "intent.move", intent_id))
    source = next((d for d in read_drafts(snapshot.text) if d.id == intent_id), None)
    if source is None:
        raise StoreError("not_found", f'No intent "{intent_id}" in {file}.')
    moving = [e for e in source.examples if e in set(examples)]
    source.examples = [e for e in source.examples if e not in set(moving)]
    target.examples = target.examples + [e for e in moving if e not in target.examples]
    changes = {file: (snapshot.text, _edit(snapshot.text, replace_intent, intent_id, source)),
               target_snapshot.name: (target_snapshot.text, _edit(
                   target_snapshot.text, replace_intent, target_id, target))}
    versions = {file: version, target_snapshot.name: target_snapshot.version}
    return _check_and_maybe_write(changes, versions, write, (actor, "intent.move", intent_id))


def _require_new_id(intent_id):
    try:
        snapshot, _ = store().find(intent_id)
    except StoreError as error:
        if error.kind == "not_found":
            return
        raise
    raise StoreError("invalid", f'An intent "{intent_id}" exists already (in {snapshot.name}). · '
                                f'意图 "{intent_id}" 已存在（在 {snapshot.name}）。')


def _changed_message(name):
    return (f"{name} was changed by someone else (or with git) after you opened it; nothing "
            f"was saved. Reload to see the new version and make your change again. · "
            f"{name} 在您打开后已被他人（或 git）修改，本次未保存。请重新加载后再改。")


# --- try it ---------------------------------------------------------------------


def try_message(text: str, lang: str) -> dict:
    """What the bot would do with ``text`` now, and its five likeliest intents.

    The live model classifies; the answer texts come from the files as they
    are now (so a saved answer shows at once), unless the files no longer
    match the model's intents (renamed, deleted, broken), when the model's own
    copy answers and ``behind`` says a retrain is due. ``decision`` is what
    `bot.FaqBot.decide` returns.
    """
    from kefu.services.bot_bridge import current_bot
    from kefu.services.try_ranking import bot_with_intents, top_intents

    live = current_bot()
    bot, behind = bot_with_intents(live, current_app.config["INTENTS_DIR"])
    decision = bot.decide(text, locale=lang)
    ranking = [{"id": intent_id, "title": bot.intent_title(intent_id, decision.language),
                "confidence": probability}
               for intent_id, probability in top_intents(bot, text, 5)]
    return {"decision": decision, "ranking": ranking, "behind": behind}


def problems_by_field(text, intent_id, file, problems):
    """``{field: [problem]}`` for the problems inside intent ``intent_id`` of ``text``
    (field: an intent key such as ``examples``), the rest under ``""``."""
    from bot.yaml_lines import YAMLError, load_round_trip

    spans = []
    try:
        document, _ = load_round_trip(text)
        intents = document["intents"]
        for index, item in enumerate(intents):
            if str(item.get("id", "")).strip() == intent_id:
                start = item.lc.line + 1
                end = intents.lc.item(index + 1)[0] if index + 1 < len(intents) else 10 ** 9
                keys = sorted((item.lc.key(key)[0] + 1, str(key)) for key in item)
                spans = [(line, key, end) for line, key in keys]
                spans.insert(0, (start, "id", end))
    except (YAMLError, KeyError, TypeError, AttributeError, IndexError):
        spans = []
    grouped = {}
    for problem in problems:
        field_name = ""
        if problem.file == file:
            for line, key, end in spans:
                if line <= problem.line <= end:
                    field_name = key
        grouped.setdefault(field_name, []).append(problem)
    return grouped


# --- the learning inbox ------------------------------------------------------------


def inbox():
    """``(groups, pending)``: the inbox groups and how many example changes await a retrain."""
    from bot.text import normalize
    from kefu.services.bot_bridge import current_bot
    from kefu.services.inbox import inbox_groups
    from kefu.services.try_ranking import pending_examples

    listed, _ = store().listing()
    known = {normalize(example) for item in listed for example in item.draft.examples}
    live = current_bot()
    return inbox_groups(live, known), pending_examples(live, current_app.config["INTENTS_DIR"])


def inbox_conversation(conversation_id: int):
    """``(conversation, lines)`` behind an inbox question, as the visitor saw it.

    Only a conversation that holds a line of the inbox, so the studio is no reader of
    every chat; never the agents' notes and never who the visitor is (the template gets
    the messages and the state, not the visitor).  ``lines`` are ``(message, missed)``.
    """
    from kefu.models import Conversation
    from kefu.services.inbox import INBOX_DAYS, missed_lines
    from kefu.services.visitor_history import visible_messages

    conversation = db.session.get(Conversation, conversation_id)
    missed = {text for _, text, _, _ in missed_lines(
        since=utcnow() - timedelta(days=INBOX_DAYS),
        conversations=select(literal(conversation_id)))} if conversation else set()
    if not missed:
        raise StoreError("not_found", "This conversation is not behind a question of the "
                                      "learning inbox. · 这个对话不在学习收件箱里。")
    messages = db.session.scalars(visible_messages().where(
        Message.conversation_id == conversation_id).order_by(Message.id)).all()
    return conversation, [(m, m.sender == "visitor" and m.text in missed) for m in messages]


def dismiss_questions(texts, user) -> list:
    """Dismiss inbox questions for good, with an audit entry; returns those newly dismissed."""
    from kefu.services import audit
    from kefu.services.inbox import dismiss

    added = dismiss(texts, user.id)
    if added:
        audit.record(user, "inbox.dismiss", "inbox", new={"texts": added})
    db.session.commit()
    return added


def assign_examples(intent_id, texts, actor=None) -> EditOutcome:
    """Add ``texts`` (questions from the inbox) to ``intent_id``'s examples, checked and saved."""
    snapshot, draft = store().find(intent_id)
    present = set(draft.examples)
    added = [text.strip() for text in texts if text.strip() and text.strip() not in present]
    draft.examples = draft.examples + list(dict.fromkeys(added))
    return save_intent(intent_id, snapshot.name, snapshot.version, draft, write=True,
                       actor=actor, action="inbox.assign")
