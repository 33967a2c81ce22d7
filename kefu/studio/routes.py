"""Studio pages: the intent list, the intent editor, new intents and "Try it".

Each view checks the role (editors and admins), reads the form, makes one call
to :mod:`kefu.services.studio` and renders what it returned. Every form posts
with its CSRF token (Flask-WTF checks every POST) and the version of each file
it was built from.
"""
from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from bot.intent_edit import EditError, IntentDraft
from bot.yaml_lines import YAMLError
from kefu.auth.access import roles_required
from kefu.models import EDITOR_ROLES
from kefu.services import studio
from kefu.services.inbox import KINDS
from kefu.services.intent_store import StoreError, check_intent_id
from kefu.services.markdown import render_markdown
from kefu.studio import bp
from kefu.studio.forms import draft_from_form
from kefu.studio.texts import COOKIE, page_language, translator

MAX_QUESTION = 2000


def _page(template, status=200, **context):
    lang = page_language()
    response = make_response(render_template(template, lang=lang, t=translator(lang),
                                             **context), status)
    if request.args.get("lang") == lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax",
                            httponly=True)
    return response


def _refusal(error: StoreError):
    return _page("studio/refused.html", error.status, message=error.message)


@bp.get("/")
@roles_required(*EDITOR_ROLES)
def intents():
    """Every intent with its example counts and figures; search, filter by file, sort."""
    query = request.args.get("q", "")[:200]
    file = request.args.get("file", "")[:200]
    sort = request.args.get("sort", "id")
    descending = request.args.get("desc") == "1"
    rows, files, unreadable = studio.intent_rows(query, file, sort, descending)
    return _page("studio/list.html", rows=rows, files=files, unreadable=unreadable, q=query,
                 file=file, sort=sort, desc=descending, days=studio.STATS_DAYS)


def _previews(draft: IntentDraft):
    return {lang: [render_markdown(text) for text in variants]
            for lang, variants in draft.answers.items()}


def _editor(draft, *, file, version, intent_id=None, outcome=None, message=None, status=200,
            text=None):
    """The intent form, with the problems of the last check beside the fields they concern."""
    grouped = {}
    if outcome is not None and outcome.problems:
        grouped = studio.problems_by_field(text or "", draft.id, file, outcome.problems)
    others = []
    if intent_id:
        listed, _ = studio.store().listing()
        others = sorted(item.draft.id for item in listed if item.draft.id != intent_id)
    files = studio.store().names()
    return _page("studio/edit.html", status, draft=draft, file=file, version=version,
                 intent_id=intent_id, outcome=outcome, grouped=grouped, message=message,
                 previews=_previews(draft), others=others, files=files)


@bp.get("/intents/<intent_id>")
@roles_required(*EDITOR_ROLES)
def edit(intent_id):
    """The form for one intent, as its file holds it now."""
    try:
        snapshot, draft = studio.store().find(check_intent_id(intent_id))
    except StoreError as error:
        return _refusal(error)
    return _editor(draft, file=snapshot.name, version=snapshot.version, intent_id=intent_id)


@bp.post("/intents/<intent_id>")
@roles_required(*EDITOR_ROLES)
def save(intent_id):
    """Check the edit and show problems and diff; with ``action=save`` and no errors, write it."""
    file, version = request.form.get("file", ""), request.form.get("version", "")
    try:
        check_intent_id(intent_id)
        draft = draft_from_form(request.form)
        outcome = studio.save_intent(intent_id, file, version, draft,
                                     write=request.form.get("action") == "save",
                                     actor=current_user)
    except StoreError as error:
        if error.kind == "not_found":
            return _refusal(error)
        draft = _safe_draft(intent_id)
        return _editor(draft, file=file, version=version, intent_id=intent_id,
                       message=error.message, status=error.status)
    if outcome.saved:
        snapshot, saved = studio.store().find(draft.id)
        return _editor(saved, file=snapshot.name, version=snapshot.version, intent_id=draft.id,
                       outcome=outcome, text=snapshot.text)
    status = 400 if outcome.errors else 200
    return _editor(draft, file=file, version=version, intent_id=intent_id, outcome=outcome,
                   status=status, text=_new_text(outcome, file, intent_id, draft))


def _safe_draft(intent_id):
    """The submitted form as a draft, or an empty one when the form itself was refused."""
    try:
        return draft_from_form(request.form)
    except StoreError:
        return IntentDraft(id=intent_id)


def _new_text(outcome, file, intent_id, draft):
    """The file text the check judged, to place its problems (re-made from the diff's source)."""
    from bot.intent_edit import replace_intent

    try:
        return replace_intent(studio.store().read(file).text, intent_id, draft)
    except (StoreError, EditError, YAMLError):  # the problems then show in one list
        return ""


@bp.post("/intents/<intent_id>/delete")
@roles_required(*EDITOR_ROLES)
def delete(intent_id):
    """Remove the intent from its file (``action=save``), or show the diff first."""
    file, version = request.form.get("file", ""), request.form.get("version", "")
    try:
        outcome = studio.delete_intent(intent_id, file, version,
                                       write=request.form.get("action") == "save",
                                       actor=current_user)
    except StoreError as error:
        return _refusal(error)
    return _page("studio/deleted.html", 400 if outcome.errors else 200, outcome=outcome,
                 intent_id=intent_id, file=file, version=version)


@bp.post("/intents/<intent_id>/move")
@roles_required(*EDITOR_ROLES)
def move(intent_id):
    """Move the ticked examples to another intent (both files checked and written together)."""
    file, version = request.form.get("file", ""), request.form.get("version", "")
    target = request.form.get("target", "")
    examples = request.form.getlist("example")[:2000]
    try:
        outcome = studio.move_intent_examples(intent_id, file, version, target, examples,
                                              write=True, actor=current_user)
    except StoreError as error:
        return _refusal(error)
    if not outcome.saved:
        return _page("studio/refused.html", 400, message="; ".join(
            str(p) for p in outcome.errors) or translator(page_language())("no_change"))
    return redirect(url_for("studio.edit", intent_id=intent_id))


@bp.get("/new")
@roles_required(*EDITOR_ROLES)
def new():
    """An empty intent form."""
    files = studio.store().names()
    return _editor(IntentDraft(id=""), file=files[0] if files else "faq.yaml", version="")


@bp.post("/new")
@roles_required(*EDITOR_ROLES)
def create():
    """Check the new intent; with ``action=save`` and no errors, append it to its file."""
    file = request.form.get("file", "").strip()
    try:
        draft = draft_from_form(request.form)
        outcome = studio.create_intent(file, draft, write=request.form.get("action") == "save",
                                       actor=current_user)
    except StoreError as error:
        return _editor(_safe_draft(""), file=file, version="", message=error.message,
                       status=error.status)
    if outcome.saved:
        return redirect(url_for("studio.edit", intent_id=draft.id))
    return _editor(draft, file=file, version="", outcome=outcome,
                   status=400 if outcome.errors else 200, text=_new_text_of_create(file, draft))


def _new_text_of_create(file, draft):
    from bot.intent_edit import add_intent

    try:
        return add_intent(studio.store().read(file).text, draft)
    except (StoreError, EditError, YAMLError):  # a new file: problems show in one list
        return ""


@bp.get("/try")
@roles_required(*EDITOR_ROLES)
def try_it():
    """Ask the bot a question: its action, its answer as the visitor would see it, the top five."""
    question = request.args.get("q", "").strip()
    result = None
    if len(question) > MAX_QUESTION:
        return _refusal(StoreError("invalid", f"At most {MAX_QUESTION} characters."))
    lang = request.args.get("locale") if request.args.get("locale") in ("zh", "en") \
        else page_language()
    if question:
        result = studio.try_message(question, lang)
        result["html"] = render_markdown(result["decision"].text) \
            if result["decision"].action == "answer" else ""
    return _page("studio/try.html", question=question, result=result, locale=lang)


@bp.get("/inbox")
@roles_required(*EDITOR_ROLES)
def inbox():
    """Questions the bot could not place, grouped, each with its three best guesses."""
    groups, pending = studio.inbox()
    intents = sorted(item.draft.id for item in studio.store().listing()[0])
    return _page("studio/inbox.html", groups=groups, pending=pending, intents=intents,
                 kinds=KINDS)


def _ticked_texts():
    """The questions ticked in an inbox group's form (bounded in number and length)."""
    return [text for text in request.form.getlist("text")[:200] if 0 < len(text) <= 500]


@bp.post("/inbox/assign")
@roles_required(*EDITOR_ROLES)
def assign():
    """Write a group's questions into an intent's file as examples."""
    texts = _ticked_texts()
    try:
        outcome = studio.assign_examples(check_intent_id(request.form.get("intent", "")), texts,
                                         actor=current_user)
    except StoreError as error:
        return _refusal(error)
    if not outcome.saved:
        return _page("studio/refused.html", 400, message="; ".join(
            str(p) for p in outcome.errors) or translator(page_language())("no_change"))
    return redirect(url_for("studio.inbox"))


@bp.get("/inbox/conversations/<int:conversation_id>")
@roles_required(*EDITOR_ROLES)
def inbox_conversation(conversation_id):
    """The conversation behind an inbox question, without the visitor's details or notes."""
    try:
        conversation, lines = studio.inbox_conversation(conversation_id)
    except StoreError as error:
        return _refusal(error)
    return _page("studio/conversation.html", conversation_id=conversation.id,
                 state=conversation.state, lines=lines)


@bp.post("/inbox/dismiss")
@roles_required(*EDITOR_ROLES)
def dismiss():
    """Keep the ticked questions out of the inbox for good (they never come back)."""
    studio.dismiss_questions(_ticked_texts(), current_user)
    return redirect(url_for("studio.inbox"))


@bp.post("/inbox/new-intent")
@roles_required(*EDITOR_ROLES)
def new_from_group():
    """The new-intent form with the ticked questions as its examples (nothing written yet)."""
    files = studio.store().names()
    return _editor(IntentDraft(id="", examples=list(dict.fromkeys(_ticked_texts()))),
                   file=files[0] if files else "faq.yaml", version="")


@bp.get("/models")
@roles_required(*EDITOR_ROLES)
def models():
    """Trained versions with their scores and changes; Retrain, publish, roll back."""
    from kefu.services import model_versions

    rows = model_versions.versions()
    return _page("studio/models.html", rows=rows,
                 training=any(row.status == "training" for row in rows),
                 served=model_versions.pointer_stamp(current_app.instance_path))


@bp.post("/models/train")
@roles_required(*EDITOR_ROLES)
def retrain():
    """Claim the one training slot and train in the background (progress over /studio)."""
    from kefu.realtime.studio import train_in_background
    from kefu.services import model_versions
    from kefu.services.errors import ServiceError

    try:
        version_id = model_versions.start_training(current_user.id)
    except ServiceError as error:
        return _page("studio/refused.html", 409, message=error.message)
    train_in_background(current_app._get_current_object(), version_id)
    return redirect(url_for("studio.models"))


@bp.post("/models/<int:version_id>/publish")
@roles_required(*EDITOR_ROLES)
def publish(version_id):
    """Serve this version in every process (also the one-click rollback to an older one)."""
    from kefu.services import model_versions
    from kefu.services.errors import ServiceError

    try:
        model_versions.publish(version_id, current_user.id,
                               confirmed=request.form.get("confirm") == "1")
    except ServiceError as error:
        status = 404 if error.code == "not_found" else 409
        return _page("studio/refused.html", status, message=error.message)
    return redirect(url_for("studio.models"))
