"""The learning inbox on the real app: real visitors ask, the real bot misses, an editor teaches it."""
import re
import shutil

import pytest

from tests.helpers import login, make_user, send, session_of
from tests.kefu.test_studio import form_on


def ask(visitor, text, locale="en"):
    """A new visitor asks ``text`` over /visitor (the bot replies and stores its action)."""
    sio = visitor(locale=locale)
    session_of(sio)
    assert send(sio, text)["ok"] is True


@pytest.fixture
def editor(app):
    _, email, password = make_user(app, role="editor")
    http = app.test_client()
    login(http, email, password)
    return http


def group_texts(html):
    return [re.findall(r'name="text" value="([^"]*)"', part)
            for part in html.split('data-role="group"')[1:]]


def test_missed_questions_are_grouped_and_answered_ones_stay_out(app, visitor, editor, bot_phrases):
    unsure = bot_phrases["unsure"][0]
    off_topic = bot_phrases["off_topic"][0]
    for text in (unsure, unsure + "?", unsure.upper(), off_topic, "转人工", "what are your opening hours"):
        ask(visitor, text)
    html = editor.get("/studio/inbox").get_data(as_text=True)
    groups = group_texts(html)
    assert {frozenset(group) for group in groups} == {
        frozenset({unsure, unsure + "?", unsure.upper()}), frozenset({off_topic})}
    flat = [text for group in groups for text in group]
    assert "转人工" not in flat  # asking for a person is no miss
    assert "what are your opening hours" not in flat  # answered
    first = html.split('data-role="group"')[1]
    assert re.search(r'data-role="count">3<', first)  # the three ways of asking, as one group


@pytest.mark.slow
def test_a_group_assigned_to_an_intent_is_answered_after_a_retrain(tmp_path, trained_model_dir,
                                                                    app_factory):
    from kefu.extensions import socketio
    from kefu.services.bot_bridge import current_bot

    model = tmp_path / "own-model"
    shutil.copytree(trained_model_dir, model)
    app = app_factory(MODEL_DIR=str(model))  # this test retrains: never the session's model
    with app.app_context():
        bot = current_bot()
        question = next(t for t in ["the thing i bought", "info please", "about the product",
                                    "can you check something for me", "question about my thing",
                                    "regarding my stuff", "a question about it"]
                        if all(bot.decide(q).action != "answer" for q in (t, t + "?")))
    for text in (question, question + "?"):
        sio = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"},
                                   flask_test_client=app.test_client())
        session_of(sio)
        assert send(sio, text)["ok"] is True
        sio.disconnect("/visitor")
    _, email, password = make_user(app, role="editor")
    http = app.test_client()
    login(http, email, password)
    page = http.get("/studio/inbox").get_data(as_text=True)
    fields = form_on(page, "/studio/inbox/assign")
    assert sorted(fields["text"]) == sorted([question, question + "?"])
    fields["intent"] = ["order_status"]
    assert http.post("/studio/inbox/assign", data=fields).status_code == 302
    from bot.intents import load_intents

    assert {question, question + "?"} <= set(load_intents(app.config["INTENTS_DIR"])
                                            .by_id["order_status"].examples)
    after = http.get("/studio/inbox").get_data(as_text=True)
    assert group_texts(after) == []  # now examples: they left the inbox
    assert re.search(r'data-role="pending">2 example change', after)
    with app.app_context():
        app.extensions["kefu_bot"].train()
        decision = current_bot().decide(question)
    assert (decision.action, decision.intent) == ("answer", "order_status")
    assert 'data-role="pending"' not in http.get("/studio/inbox").get_data(as_text=True)


def test_agents_and_visitors_reach_no_inbox(app):
    agent = app.test_client()
    _, email, password = make_user(app, role="agent")
    login(agent, email, password)
    assert agent.get("/studio/inbox").status_code == 403
    assert agent.post("/studio/inbox/assign", data={}).status_code in (400, 403)
    assert app.test_client().get("/studio/inbox").status_code == 302


def kinds_of(html):
    """``[{kind: count}]`` per group, as the page lists them."""
    return [dict((k, int(n)) for k, n in re.findall(
        r'data-kind="(\w+)">[^<]*<strong>(\d+)</strong>', part))
        for part in html.split('data-role="group"')[1:]]


def group_of(html, text):
    for texts, kinds in zip(group_texts(html), kinds_of(html)):
        if text in texts:
            return texts, kinds
    return None


def first_reply(sio, ack):
    from tests.helpers import events

    return next(m for m in events(sio, "message")
                if m["reply_to"] == ack["message"]["client_msg_id"])


def test_each_kind_of_miss_is_collected_with_its_kind(app, visitor, editor, bot_phrases):
    from tests.helpers import events

    unsure, other = bot_phrases["unsure"]
    # A "did you mean" offer not taken, then a second miss: with nobody online that hand-off
    # becomes a form offer, still a question the bot could not place.
    sio = visitor()
    session_of(sio)
    assert first_reply(sio, send(sio, unsure))["action"] == "suggest"
    offer = first_reply(sio, send(sio, other))
    assert offer["offer_form"] == "leave_message"
    # An answer voted not helpful.
    sio2 = visitor()
    session_of(sio2)
    answer = first_reply(sio2, send(sio2, "what are your opening hours"))
    assert answer["action"] == "answer"
    assert sio2.emit("vote", {"message_id": answer["id"], "helpful": False},
                     namespace="/visitor", callback=True)["ok"] is True
    html = editor.get("/studio/inbox").get_data(as_text=True)
    assert group_of(html, unsure)[1] == {"suggest": 1}
    assert group_of(html, other)[1] == {"handoff": 1}
    assert group_of(html, "what are your opening hours")[1] == {"not_helpful": 1}
    assert "answer voted not helpful" in html and "handed off, unsure" in html


def test_a_suggestion_the_visitor_took_is_no_miss(app, visitor, editor, bot_phrases):
    unsure = bot_phrases["unsure"][0]
    sio = visitor()
    session_of(sio)
    offer = first_reply(sio, send(sio, unsure))
    assert offer["action"] == "suggest"
    pick = offer["suggestions"][0]
    taken = first_reply(sio, send(sio, pick["title"], intent=pick["intent"]))
    assert taken["intent"] == pick["intent"]  # answered (or, for "a person", handed off)
    assert group_of(editor.get("/studio/inbox").get_data(as_text=True), unsure) is None


def test_a_visitor_asking_for_a_person_or_a_helpful_answer_is_no_miss(app, visitor, editor):
    sio = visitor()
    session_of(sio)
    answer = first_reply(sio, send(sio, "what are your opening hours"))
    assert sio.emit("vote", {"message_id": answer["id"], "helpful": True},
                    namespace="/visitor", callback=True)["ok"] is True
    send(sio, "转人工")
    html = editor.get("/studio/inbox").get_data(as_text=True)
    assert group_texts(html) == [] and 'data-role="empty"' in html


def test_dismissed_questions_do_not_come_back_and_the_dismissal_is_audited(
        app, visitor, editor, bot_phrases):
    from kefu.extensions import db
    from kefu.models import AuditEntry

    unsure = bot_phrases["unsure"][0]
    ask(visitor, unsure)
    fields = form_on(editor.get("/studio/inbox").get_data(as_text=True), "/studio/inbox/assign")
    fields.pop("intent", None)
    assert editor.post("/studio/inbox/dismiss", data=fields).status_code == 302
    ask(visitor, unsure.upper())  # asked again, in other letters: still dismissed
    html = editor.get("/studio/inbox").get_data(as_text=True)
    assert group_of(html, unsure) is None and group_of(html, unsure.upper()) is None
    with app.app_context():
        entries = db.session.query(AuditEntry).filter_by(action="inbox.dismiss").all()
        assert [e.new_value for e in entries] == [{"texts": [unsure]}]
    audit = editor_admin_audit(app)
    assert "Dismissed inbox questions" in audit and unsure in audit


def editor_admin_audit(app):
    _, email, password = make_user(app, role="admin")
    admin = app.test_client()
    login(admin, email, password)
    return admin.get("/admin/audit").get_data(as_text=True)


def test_a_group_starts_a_new_intent_form_with_its_questions_as_examples(
        app, visitor, editor, bot_phrases):
    unsure = bot_phrases["unsure"][0]
    ask(visitor, unsure)
    ask(visitor, unsure + "?")
    fields = form_on(editor.get("/studio/inbox").get_data(as_text=True), "/studio/inbox/assign")
    page = editor.post("/studio/inbox/new-intent", data=fields)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    examples = form_on(html, "/studio/new")["examples"]
    assert set(examples[0].splitlines()) >= {unsure}
    assert group_texts(editor.get("/studio/inbox").get_data(as_text=True))  # nothing written


def test_assigning_a_group_is_in_the_audit_log_with_its_diff(app, visitor, editor, bot_phrases):
    from kefu.extensions import db
    from kefu.models import AuditEntry

    unsure = bot_phrases["unsure"][0]
    ask(visitor, unsure)
    fields = form_on(editor.get("/studio/inbox").get_data(as_text=True), "/studio/inbox/assign")
    fields["intent"] = ["order_status"]
    assert editor.post("/studio/inbox/assign", data=fields).status_code == 302
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="inbox.assign").one()
        assert entry.target_id == "order_status"
        assert any(line.startswith("+") and unsure in line
                   for line in entry.new_value["diff"].splitlines())
    assert "Added inbox questions as examples" in editor_admin_audit(app)


def test_editors_see_questions_never_who_asked(app, visitor, editor, bot_phrases):
    sio = visitor()
    session_of(sio)
    assert sio.emit("profile", {"name": "Zhang Wei", "email": "zhang.wei@example.com"},
                    namespace="/visitor", callback=True)["ok"] is True
    send(sio, bot_phrases["unsure"][0])
    html = editor.get("/studio/inbox").get_data(as_text=True)
    assert bot_phrases["unsure"][0] in html
    assert "Zhang Wei" not in html and "zhang.wei@example.com" not in html


def test_agents_cannot_dismiss_or_start_intents_from_the_inbox(app, visitor, bot_phrases):
    agent = app.test_client()
    _, email, password = make_user(app, role="agent")
    login(agent, email, password)
    for path in ("/studio/inbox/dismiss", "/studio/inbox/new-intent"):
        assert agent.post(path, data={"text": "x"}).status_code in (400, 403)
    assert app.test_client().post("/studio/inbox/dismiss", data={"text": "x"}).status_code in (
        302, 400)


def test_paraphrases_with_no_word_in_common_are_one_group_across_languages(
        app, visitor, editor):
    from kefu.services.bot_bridge import current_bot

    engraving = ["can you engrave my name on the mug", "is engraving possible on the travel mug"]
    with app.app_context():
        assert current_bot().embed(["x"]) is not None, "this test needs the encoder model"
    ask(visitor, engraving[0])
    ask(visitor, engraving[1])
    ask(visitor, "杯子上可以刻字吗", locale="zh")
    ask(visitor, "regarding my stuff")  # another question: a group of its own
    groups = {frozenset(g) for g in group_texts(editor.get("/studio/inbox").get_data(as_text=True))}
    assert frozenset(engraving + ["杯子上可以刻字吗"]) in groups
    assert frozenset({"regarding my stuff"}) in groups


def test_each_question_opens_its_conversation_without_notes_or_who_asked(
        app, visitor, editor, desk, bot_phrases):
    import re as _re

    sio = visitor()
    session_of(sio)
    assert sio.emit("profile", {"name": "Li Na", "email": "li.na@example.com"},
                    namespace="/visitor", callback=True)["ok"] is True
    send(sio, "what are your opening hours")
    send(sio, bot_phrases["unsure"][0])
    conversation_id = session_of_conversation(sio)
    agent = desk(role="admin")
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                               "text": "VIP, handle with care"})["ok"] is True
    html = editor.get("/studio/inbox").get_data(as_text=True)
    link = _re.search(r'data-role="conversation" href="([^"]+)"', html).group(1)
    assert link.endswith(f"/studio/inbox/conversations/{conversation_id}")
    page = editor.get(link).get_data(as_text=True)
    assert "what are your opening hours" in page  # the context around the question
    missed = _re.search(r'data-role="missed">(.*?)</li>', page, _re.S).group(1)
    assert bot_phrases["unsure"][0] in missed
    for secret in ("Li Na", "li.na@example.com", "VIP, handle with care"):
        assert secret not in page


def test_a_conversation_outside_the_inbox_is_not_for_editors(app, visitor, editor):
    sio = visitor()
    session_of(sio)
    send(sio, "what are your opening hours")  # answered: nothing for the inbox
    conversation_id = session_of_conversation(sio)
    assert editor.get(f"/studio/inbox/conversations/{conversation_id}").status_code == 404
    assert editor.get("/studio/inbox/conversations/999999").status_code == 404
    agent = app.test_client()
    _, email, password = make_user(app, role="agent")
    login(agent, email, password)
    assert agent.get(f"/studio/inbox/conversations/{conversation_id}").status_code == 403


def session_of_conversation(sio):
    from tests.helpers import events

    return [m for m in events(sio, "message") if m.get("conversation_id")][-1]["conversation_id"]


def test_each_miss_is_keyed_as_it_is_stored_the_way_migration_0015_keys_older_desks(
        app, visitor, bot_phrases):
    """The turn that misses carries its question's key (kefu.models), an offer taken loses
    it, and the backfill of desks stored before 0015 gives every row the same key."""
    from sqlalchemy import select, update

    from benchmarks.reports import backfill
    from bot.text import normalize
    from kefu.extensions import db
    from kefu.models import MISS_KEY_CHARS, Message

    unsure, other = bot_phrases["unsure"]
    taking = visitor()
    session_of(taking)
    offer = first_reply(taking, send(taking, unsure))
    pick = offer["suggestions"][0]
    first_reply(taking, send(taking, pick["title"], intent=pick["intent"]))
    missing = visitor()
    session_of(missing)
    assert first_reply(missing, send(missing, unsure))["action"] == "suggest"
    first_reply(missing, send(missing, other))
    long_question = bot_phrases["off_topic"][0] + " " + "x" * 400
    ask(visitor, long_question)
    ask(visitor, "what are your opening hours")
    with app.app_context():
        kept = dict(db.session.execute(select(Message.id, Message.miss_key)
                                       .order_by(Message.id)).all())
        keys = {key for key in kept.values() if key}
        # The offer taken is no miss; the one not taken, the second miss and the long
        # off-topic question are, each under its normalised text (the long one cut short).
        assert normalize(unsure) in keys and normalize(other) in keys
        assert normalize(long_question)[:MISS_KEY_CHARS] in keys
        assert kept[offer["id"]] is None
        assert len(keys) == 3 and sum(1 for key in kept.values() if key) == 3
        db.session.execute(update(Message).values(miss_key=None))
        db.session.commit()
        with db.engine.begin() as connection:
            backfill("0015_missed_questions", connection)
        assert dict(db.session.execute(select(Message.id, Message.miss_key)
                                       .order_by(Message.id)).all()) == kept
