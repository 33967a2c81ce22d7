"""Clarify before handing off (issue 8, part 2), with the real bot and real sockets:
a first unclear message gets a clarifying turn and the second hands off; off-topic
messages are declined and never queued; acknowledgements are small talk, not misses;
a waiting visitor can go back to the bot; with nobody online the bot stays first line."""
import pytest
from sqlalchemy import select

from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent
from tests.helpers import ack_error, events, put_setting, send, session_of

UNCLEAR = "问一下那个东西"  # the real bot can place it nowhere, yet it is no off-topic text
OFF_TOPIC = ["what's the weather", "写一首诗", "asdfgh qwerty zxcvb", "tell me a joke"]
ACKS = ["好的", "ok", "嗯", "收到", "thx"]


def state_of(app, conversation_id):
    with app.app_context():
        return db.session.get(Conversation, conversation_id).state


def reply_to(vis, ack):
    """The bot's (or the system's) messages answering the message of ``ack``."""
    cid = ack["message"]["client_msg_id"]
    return [m for m in events(vis, "message") if m["reply_to"] == cid]


def queued(agent):
    """The conversation ids in the latest ``queue`` event (none since connecting: empty)."""
    updates = agent.events("queue")
    return [c["id"] for c in updates[-1]["queue"]] if updates else []


@pytest.fixture
def chat(visitor):
    def make(locale="en"):
        vis = visitor(locale=locale)
        session_of(vis)
        return vis
    return make


def test_an_unclear_message_is_clarified_and_the_second_in_a_row_hands_off(app, desk, chat):
    agent = desk()
    vis = chat(locale="zh")
    first = send(vis, UNCLEAR)
    [clarify] = reply_to(vis, first)
    assert clarify["sender"] == "bot" and clarify["action"] in ("clarify", "suggest")
    assert clarify["offer_human"] is True and 1 <= len(clarify["suggestions"]) <= 4
    assert all(s["intent"] and s["title"] for s in clarify["suggestions"])
    conversation_id = first["message"]["conversation_id"]
    assert state_of(app, conversation_id) == "bot" and queued(agent) == []
    second = send(vis, UNCLEAR)
    assert [m["action"] for m in reply_to(vis, second)] == ["escalate", None]
    assert state_of(app, conversation_id) == "waiting"
    [card] = agent.events("queue")[-1]["queue"]
    assert (card["id"], card["reason"]) == (conversation_id, "repeated_miss")


def test_a_low_confidence_message_with_plausible_candidates_gets_did_you_mean(desk, chat):
    desk()
    vis = chat()
    [reply] = reply_to(vis, send(vis, "retrun polcy?"))
    assert reply["action"] == "suggest" and len(reply["suggestions"]) == 3
    assert reply["offer_human"] is True


def test_a_topic_from_i_can_help_with_is_answered_and_ends_the_row_of_misses(app, desk, chat):
    desk()
    vis = chat(locale="zh")
    [clarify] = reply_to(vis, send(vis, UNCLEAR))
    topic = clarify["suggestions"][0]
    [answer] = reply_to(vis, send(vis, topic["title"], intent=topic["intent"]))
    assert (answer["action"], answer["intent"]) == ("answer", topic["intent"])
    ack = send(vis, UNCLEAR)  # a miss again, but the first of a new row
    assert reply_to(vis, ack)[0]["action"] in ("clarify", "suggest")
    assert state_of(app, ack["message"]["conversation_id"]) == "bot"


@pytest.mark.parametrize("text", OFF_TOPIC)
def test_an_off_topic_message_is_declined_politely_and_never_queued(app, desk, chat, text):
    agent = desk()
    vis = chat()
    for _ in range(3):  # however often: off-topic is no miss
        ack = send(vis, text)
        [reply] = reply_to(vis, ack)
        assert reply["action"] == "offtopic"
        assert reply["text"] == i18n.text("offtopic", "zh" if "诗" in text else "en")
        assert reply["offer_human"] is True
    assert state_of(app, ack["message"]["conversation_id"]) == "bot"
    assert queued(agent) == []


def test_the_off_topic_reply_is_in_chinese_for_a_chinese_message(chat):
    vis = chat(locale="en")
    [reply] = reply_to(vis, send(vis, "写一首诗"))
    assert reply["action"] == "offtopic" and "超出了我能帮忙的范围" in reply["text"]


@pytest.mark.parametrize("ack_text", ACKS)
def test_an_acknowledgement_is_small_talk_not_a_miss(app, desk, chat, ack_text):
    desk()
    vis = chat()
    first = send(vis, UNCLEAR)
    assert reply_to(vis, first)[0]["action"] in ("clarify", "suggest")  # miss number one
    [small] = reply_to(vis, send(vis, ack_text))
    assert small["action"] == "small_talk" and small["offer_human"] is False
    assert state_of(app, first["message"]["conversation_id"]) == "bot"
    second = send(vis, UNCLEAR)  # still the second miss in a row: small talk is neutral
    assert reply_to(vis, second)[0]["action"] == "escalate"


def test_acknowledgements_alone_never_hand_off(app, desk, chat):
    desk()
    vis = chat(locale="zh")
    for text in ACKS:
        ack = send(vis, text)
        assert [m["action"] for m in reply_to(vis, ack)] == ["small_talk"]
    assert state_of(app, ack["message"]["conversation_id"]) == "bot"


def test_a_clearly_angry_message_hands_off_at_once(app, desk, chat):
    agent = desk()
    vis = chat()
    ack = send(vis, "this is a scam, useless bot")
    assert state_of(app, ack["message"]["conversation_id"]) == "waiting"
    assert agent.events("queue")[-1]["queue"][0]["reason"] in ("angry", "handoff_intent")


def test_misses_before_handoff_is_a_setting(app, desk, chat):
    desk()
    put_setting(app, "clarify_misses_before_handoff", 1)
    vis = chat(locale="zh")
    ack = send(vis, UNCLEAR)
    assert state_of(app, ack["message"]["conversation_id"]) == "waiting"
    with app.app_context():
        event = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.kind == "escalated")).one()
        assert event.reason == "low_confidence"


def test_with_nobody_online_the_bot_stays_first_line_and_offers_the_form(app, chat):
    vis = chat(locale="zh")
    send(vis, UNCLEAR)
    ack = send(vis, UNCLEAR)  # would hand off, but nobody could take it
    [offer] = reply_to(vis, ack)
    assert offer["sender"] == "system" and offer["offer_form"] == "leave_message"
    assert offer["notice"]["kind"] == "offline_no_agents"
    assert state_of(app, ack["message"]["conversation_id"]) == "bot"
    [answer] = reply_to(vis, send(vis, "运费多少"))  # the bot keeps answering
    assert answer["action"] == "answer"
    left = vis.emit("leave_message", {"name": "Li", "email": "li@example.com",
                                      "text": "where is it"}, namespace="/visitor",
                    callback=True)
    assert left["ok"] is True


def test_asking_for_a_person_with_nobody_online_still_queues(app, chat):
    vis = chat(locale="zh")
    ack = send(vis, "转人工")
    assert state_of(app, ack["message"]["conversation_id"]) == "waiting"
    view = events(vis, "conversation")[-1]
    assert view["offline"] == {"reason": "no_agents"}


def test_cancel_handoff_returns_the_waiting_chat_to_the_bot(app, desk, waiting_visitor):
    agent = desk()
    vis, conversation_id = waiting_visitor()
    assert [c["id"] for c in agent.events("queue")[-1]["queue"]] == [conversation_id]
    events(vis, "message")
    ack = vis.emit("cancel_handoff", {}, namespace="/visitor", callback=True)
    assert ack["ok"] is True and ack["conversation"]["state"] == "bot"
    assert ack["conversation"]["queue"] is None
    assert [m["notice"]["kind"] for m in events(vis, "message")] == ["handoff_cancelled"]
    assert queued(agent) == []
    assert state_of(app, conversation_id) == "bot"
    with app.app_context():
        event = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.id.desc())).first()
        assert (event.from_state, event.to_state, event.actor_kind, event.reason) == \
            ("waiting", "bot", "visitor", "cancel_handoff")
    [answer] = reply_to(vis, send(vis, "how long does shipping take"))
    assert answer["action"] == "answer" and answer["while_waiting"] is False


@pytest.mark.parametrize("payload, code", [(None, "invalid_payload"), ([], "invalid_payload")])
def test_cancel_handoff_validates_its_payload(waiting_visitor, payload, code):
    vis, _ = waiting_visitor()
    assert ack_error(vis.emit("cancel_handoff", payload, namespace="/visitor",
                              callback=True)) == code


def test_cancel_handoff_is_refused_unless_waiting(desk, chat, waiting_visitor):
    vis = chat()
    assert ack_error(vis.emit("cancel_handoff", {}, namespace="/visitor",
                              callback=True)) == "invalid_state"
    waiting, conversation_id = waiting_visitor()
    desk().call("claim", {"conversation_id": conversation_id})
    assert ack_error(waiting.emit("cancel_handoff", {}, namespace="/visitor",
                                  callback=True)) == "invalid_state"


@pytest.mark.parametrize("key, value", [
    ("clarify_misses_before_handoff", 0), ("clarify_misses_before_handoff", True),
    ("offtopic_threshold", 1.5), ("offtopic_threshold", "high"),
    ("clarify_suggest_min_confidence", -0.1), ("answer_while_waiting", 1),
    ("clarify_topics", "shipping_time"), ("clarify_topics", [1]),
])
def test_policy_settings_are_validated(desk, key, value):
    admin = desk(role="admin")
    response = admin.http.put(f"/api/v1/settings/{key}", json={"value": value},
                              headers={"X-CSRFToken": admin.csrf})
    assert (response.status_code, response.get_json()["error"]["code"]) == (400, "invalid_type")
