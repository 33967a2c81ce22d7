"""The FAQ studio on the real app: who may use it, and editing real intent files through its forms.

Every app here has its own copy of ``intents/`` (tests/conftest.py), so the
forms write real files that the real validator and the real bot then read.
"""
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import csrf_token, events, login, make_user, send, session_of

STUDIO_PAGES = ["/studio/", "/studio/intents/opening_hours", "/studio/new",
                "/studio/try?q=hello"]


class _Forms(HTMLParser):
    """The fields of every form on a page, as a browser would submit them (no button)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit",):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self._form["fields"].append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._form["fields"].append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def form_on(html, action_part):
    """``{name: [values]}`` of the form whose action contains ``action_part``."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if action_part in form["action"]:
            fields = {}
            for name, value in form["fields"]:
                fields.setdefault(name, []).append(value)
            return fields
    raise AssertionError(f"no form posting to {action_part}")


@pytest.fixture
def studio(app):
    """A logged-in editor: ``studio.http``, ``studio.intents`` (the app's intent folder)."""

    class Studio:
        def __init__(self, role="editor"):
            _, email, password = make_user(app, role=role)
            self.http = app.test_client()
            login(self.http, email, password)
            self.intents = Path(app.config["INTENTS_DIR"])

        def open(self, intent_id):
            response = self.http.get(f"/studio/intents/{intent_id}")
            assert response.status_code == 200
            return form_on(response.get_data(as_text=True), f"/studio/intents/{intent_id}")

        def post(self, intent_id, fields, action="save"):
            return self.http.post(f"/studio/intents/{intent_id}", data={**fields, "action": action})

    return Studio


# --- who may use it --------------------------------------------------------------


def test_an_editor_lands_on_the_studio_after_login(app):
    _, email, password = make_user(app, role="editor")
    http = app.test_client()
    response = http.post("/auth/login", data={"email": email, "password": password,
                                              "csrf_token": csrf_token(http)})
    assert response.headers["Location"] == "/studio/"
    assert http.get("/studio/").status_code == 200


def test_agent_opens_no_studio_page_and_an_editor_gets_a_bilingual_403_on_agent(app, studio):
    agent = studio(role="agent")
    for page in STUDIO_PAGES:
        assert agent.http.get(page).status_code == 403, page
    editor = studio()
    response = editor.http.get("/agent/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "您的账号（内容编辑）不能打开这个页面。" in html
    assert "Your account (editor) cannot open this page." in html
    assert 'href="/studio/"' in html and "Forbidden" not in html


def test_editors_and_admins_open_every_studio_page_and_visitors_are_sent_to_log_in(app, studio):
    for role in ("editor", "admin"):
        user = studio(role=role)
        for page in STUDIO_PAGES:
            assert user.http.get(page).status_code == 200, (role, page)
    anonymous = app.test_client()
    for page in STUDIO_PAGES:
        response = anonymous.get(page)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    before = (studio().intents / "store.yaml").read_bytes()
    assert anonymous.post("/studio/intents/opening_hours", data={}).status_code in (302, 400)
    assert (studio().intents / "store.yaml").read_bytes() == before


def test_an_agent_cannot_save_an_intent(studio):
    editor, agent = studio(), studio(role="agent")
    fields = editor.open("opening_hours")
    fields["answer_en"] = ["Agents may not write this."]
    before = (editor.intents / "store.yaml").read_bytes()
    response = agent.http.post("/studio/intents/opening_hours",
                               data={**fields, "action": "save"})
    assert response.status_code in (400, 403)  # 400: the editor's CSRF token is not theirs
    fields["csrf_token"] = [re.search(r'name="csrf-token" content="([^"]+)"', agent.http.get(
        "/auth/password").get_data(as_text=True)).group(1)]
    assert agent.http.post("/studio/intents/opening_hours",
                           data={**fields, "action": "save"}).status_code == 403
    assert (editor.intents / "store.yaml").read_bytes() == before


# --- the list ---------------------------------------------------------------------


def test_the_list_counts_examples_per_language_and_hits_of_the_last_30_days(app, studio):
    from kefu.extensions import db
    from kefu.models import Conversation, Message, Visitor, utcnow

    with app.app_context():
        visitor = Visitor()
        conversation = Conversation(visitor=visitor)
        db.session.add_all([visitor, conversation])
        db.session.flush()
        for days, intent, action in [(1, "opening_hours", "answer"), (2, "opening_hours", "answer"),
                                     (3, "opening_hours", "suggest"), (40, "opening_hours", "answer"),
                                     (1, "contact_us", "answer")]:
            db.session.add(Message(conversation_id=conversation.id, sender="bot", text="x",
                                   intent=intent, bot_action=action,
                                   created_at=utcnow() - timedelta(days=days)))
        db.session.commit()
    editor = studio()
    html = editor.http.get("/studio/?sort=hits&desc=1").get_data(as_text=True)
    rows = re.findall(r'<tr data-intent="([a-z_]+)">', html)
    assert rows[:2] == ["opening_hours", "contact_us"] and len(rows) == 36
    first = html[html.index('data-intent="opening_hours"'):]
    assert re.search(r'data-col="hits">2<', first)  # the 40-day-old answer does not count
    found = editor.http.get("/studio/?q=客服几点上班").get_data(as_text=True)
    assert re.findall(r'<tr data-intent="([a-z_]+)">', found) == ["opening_hours"]
    only = editor.http.get("/studio/?file=store.yaml").get_data(as_text=True)
    assert set(re.findall(r'<tr data-intent="([a-z_]+)">', only)) == {"opening_hours", "contact_us"}


def test_the_list_shows_each_intents_helpful_ratio_from_the_visitors_votes(app, studio, visitor):
    def answer_and_vote(text, helpful):
        sio = visitor()
        session_of(sio)
        reply = next(m for m in _sent_and_replies(sio, text) if m["sender"] == "bot")
        assert reply["intent"] == "opening_hours"
        if helpful is not None:
            assert sio.emit("vote", {"message_id": reply["id"], "helpful": helpful},
                            namespace="/visitor", callback=True)["ok"] is True

    for helpful in (True, True, False, None):  # 2 of 3 votes say helpful; one never voted
        answer_and_vote("what are your opening hours", helpful)
    html = studio().http.get("/studio/?sort=helpful&desc=1").get_data(as_text=True)
    rows = re.findall(r'<tr data-intent="([a-z_]+)">', html)
    assert rows[0] == "opening_hours"  # the only intent with votes sorts first
    first = html[html.index('data-intent="opening_hours"'):]
    cell = re.search(r'data-col="helpful">(.*?)</td>', first).group(1)
    assert "67%" in cell and "(3)" in cell
    other = html[html.index('data-intent="contact_us"'):]
    assert "no votes yet" in re.search(r'data-col="helpful">(.*?)</td>', other).group(1)


def _sent_and_replies(sio, text):
    assert send(sio, text)["ok"] is True
    return events(sio, "message")


# --- editing ----------------------------------------------------------------------


def test_saving_the_form_unchanged_leaves_the_file_byte_identical(studio):
    editor = studio()
    before = (editor.intents / "shipping.yaml").read_bytes()
    response = editor.post("shipping_time", editor.open("shipping_time"))
    assert response.status_code == 200 and 'data-role="unchanged"' in response.get_data(as_text=True)
    assert (editor.intents / "shipping.yaml").read_bytes() == before


def test_saving_an_answer_rewrites_only_its_lines_and_keeps_comments_and_quoting(studio):
    editor = studio()
    path = editor.intents / "store.yaml"
    before = path.read_text(encoding="utf-8")
    fields = editor.open("opening_hours")
    fields["answer_en"] = ["We answer **every day 8:00–22:00**.\nAsk me anything else."]
    response = editor.post("opening_hours", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-role="saved"' in html
    assert "+        We answer **every day 8:00–22:00**." in html  # the diff is shown
    after = path.read_text(encoding="utf-8")
    old_lines, new_lines = before.splitlines(), after.splitlines()
    start = old_lines.index("      en: |", 5) + 1
    assert new_lines[:start] == old_lines[:start]  # the comment on line 1 and the zh answer
    assert new_lines[start:start + 2] == ["        We answer **every day 8:00–22:00**.",
                                          "        Ask me anything else."]
    assert new_lines[start + 2:] == old_lines[start + 3:]  # quoted examples stay quoted
    assert '      - "what time do live agents finish"' in new_lines
    from bot.intents import load_intents

    assert load_intents(editor.intents).by_id["opening_hours"].answers["en"] == (
        "We answer **every day 8:00–22:00**.\nAsk me anything else.",)


def test_a_check_with_errors_shows_them_beside_the_field_and_writes_nothing(studio):
    editor = studio()
    before = (editor.intents / "store.yaml").read_bytes()
    fields = editor.open("opening_hours")
    fields["examples"] = ["客服几点上班\nwhen are you open"]
    response = editor.post("opening_hours", fields, action="save")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    examples = html[html.index('data-field="examples"'):html.index('data-field="quick_replies"')]
    assert re.search(r'store\.yaml:\d+: error: only 2 example\(s\); write at least 5', examples)
    assert (editor.intents / "store.yaml").read_bytes() == before


def test_a_duplicate_example_under_another_intent_names_both_places(studio):
    editor = studio()
    fields = editor.open("opening_hours")
    fields["examples"] = [fields["examples"][0] + "\n怎么联系你们"]  # contact_us has it
    response = editor.post("opening_hours", fields, action="check")
    assert response.status_code == 400
    assert re.search(r"store\.yaml:\d+: error: duplicate example &#34;怎么联系你们&#34; "
                     r"\(also under opening_hours at store\.yaml:\d+\)",
                     response.get_data(as_text=True))


def test_a_file_changed_on_disk_since_the_form_was_opened_is_not_overwritten(studio):
    editor = studio()
    path = editor.intents / "store.yaml"
    fields = editor.open("opening_hours")
    changed_by_git = path.read_text(encoding="utf-8") + "# a colleague's commit\n"
    path.write_text(changed_by_git, encoding="utf-8")
    fields["answer_en"] = ["My edit."]
    response = editor.post("opening_hours", fields)
    assert response.status_code == 409
    assert "was changed by someone else (or with git) after you opened it; nothing was saved" \
        in response.get_data(as_text=True)
    assert path.read_text(encoding="utf-8") == changed_by_git


@pytest.mark.parametrize("file", ["../../etc/passwd", "/etc/passwd.yaml", "../outside.yaml",
                                  ".hidden.yaml", "store.yaml/../../x.yaml", "a b.yaml"])
def test_file_names_that_leave_the_intent_folder_are_refused(studio, file, tmp_path):
    editor = studio()
    fields = editor.open("opening_hours")
    fields["file"] = [file]
    response = editor.post("opening_hours", fields)
    assert response.status_code == 400
    new = form_on(editor.http.get("/studio/new").get_data(as_text=True), "/studio/new")
    new.update(file=[file], id=["sneaky"], answer_en=["x"], title_en=["x"],
               examples=["a1\nb2\nc3\nd4\ne5"])
    assert editor.http.post("/studio/new", data={**new, "action": "save"}).status_code == 400
    assert not (tmp_path / "outside.yaml").exists() and not Path("/etc/passwd.yaml").exists()
    assert not any(p.name in ("outside.yaml", "passwd.yaml", "x.yaml")
                   for p in tmp_path.rglob("*.yaml"))


@pytest.mark.parametrize("intent_id", ["..%2F..%2Fetc%2Fpasswd", "Opening", "a" * 65])
def test_bad_intent_ids_in_the_path_are_refused(studio, intent_id):
    response = studio().http.get(f"/studio/intents/{intent_id}")
    assert response.status_code in (400, 404)


def test_an_oversized_answer_is_refused_with_a_clear_message(studio):
    editor = studio()
    before = (editor.intents / "store.yaml").read_bytes()
    fields = editor.open("opening_hours")
    fields["answer_en"] = ["x" * 5001]
    response = editor.post("opening_hours", fields)
    assert response.status_code == 400
    assert "answer (en) is longer than 5000 characters" in response.get_data(as_text=True)
    assert (editor.intents / "store.yaml").read_bytes() == before


def test_user_text_is_escaped_on_the_pages(studio):
    editor = studio()
    fields = editor.open("opening_hours")
    fields["title_en"] = ['<img src=x onerror="alert(1)">']
    editor.post("opening_hours", fields)
    html = editor.http.get("/studio/").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_create_rename_and_delete_an_intent(studio):
    from bot.intents import validate_intents

    editor = studio()
    new = form_on(editor.http.get("/studio/new").get_data(as_text=True), "/studio/new")
    new.update(file=["gifts.yaml"], id=["gift_cards"], title_zh=["礼品卡"], title_en=["Gift cards"],
               answer_zh=["我们有电子礼品卡，面额 ¥50 起。"], answer_en=["We sell e-gift cards from ¥50."],
               examples=["do you sell gift cards\ngift voucher please\ncan i buy a gift card\n"
                         "有礼品卡吗\n礼品卡怎么买\n送朋友的礼品卡"])
    response = editor.http.post("/studio/new", data={**new, "action": "save"})
    assert response.status_code == 302
    assert (editor.intents / "gifts.yaml").read_text(encoding="utf-8").startswith(
        "intents:\n  - id: gift_cards\n    title: {zh: 礼品卡, en: Gift cards}\n")
    assert validate_intents(editor.intents).ok

    fields = editor.open("gift_cards")
    fields["id"] = ["gift_card"]
    assert editor.post("gift_cards", fields).status_code == 200
    assert editor.http.get("/studio/intents/gift_cards").status_code == 404
    page = editor.http.get("/studio/intents/gift_card").get_data(as_text=True)
    check = editor.http.post("/studio/intents/gift_card/delete",
                             data={**form_on(page, "/delete"), "action": "check"})
    assert "-  - id: gift_card" in check.get_data(as_text=True)
    assert "gift_card" in (editor.intents / "gifts.yaml").read_text()
    confirm = form_on(check.get_data(as_text=True), "/delete")
    done = editor.http.post("/studio/intents/gift_card/delete", data={**confirm, "action": "save"})
    assert done.status_code == 200 and 'data-role="deleted"' in done.get_data(as_text=True)
    assert "gift_card" not in (editor.intents / "gifts.yaml").read_text()


def test_examples_move_to_an_intent_in_another_file(studio):
    from bot.intents import load_intents

    editor = studio()
    fields = editor.open("opening_hours")
    moving = "人工客服几点到几点"
    response = editor.http.post("/studio/intents/opening_hours/move", data={
        "file": fields["file"], "version": fields["version"], "csrf_token": fields["csrf_token"],
        "target": "human_handoff", "example": [moving]})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    intents = load_intents(editor.intents).by_id
    assert moving not in intents["opening_hours"].examples
    assert moving in intents["human_handoff"].examples


# --- try it -----------------------------------------------------------------------


def test_try_it_shows_the_action_the_top_five_and_a_saved_answer_at_once(studio):
    editor = studio()
    html = editor.http.get("/studio/try?q=what+are+your+opening+hours&locale=en").get_data(
        as_text=True)
    assert 'data-action="answer"' in html
    ranking = re.findall(r'<li><a href="/studio/intents/([a-z_]+)"', html)
    assert ranking[0] == "opening_hours" and len(ranking) == 5
    fields = editor.open("opening_hours")
    fields["answer_en"] = ["Open **nine to nine**, every day."]
    editor.post("opening_hours", fields)
    html = editor.http.get("/studio/try?q=what+are+your+opening+hours&locale=en").get_data(
        as_text=True)
    assert "Open <strong>nine to nine</strong>, every day." in html
    assert 'data-role="behind"' not in html  # only an answer changed: no retrain needed


def test_try_it_says_when_changed_examples_wait_for_a_retrain(studio):
    editor = studio()
    assert 'data-role="behind"' not in editor.http.get("/studio/try?q=hello").get_data(
        as_text=True)  # the server has its model loaded before the edit, as a running one has
    fields = editor.open("opening_hours")
    fields["examples"] = [fields["examples"][0] + "\nwhen do the lights go on in your office"]
    editor.post("opening_hours", fields)
    html = editor.http.get("/studio/try?q=hello").get_data(as_text=True)
    assert 'data-role="behind"' in html
