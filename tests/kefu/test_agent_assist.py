"""Agent assist: the bot drafts replies for the agent holding a chat, never for the visitor.

Specification (docs/protocol.md, "Agent assist"): in state ``agent`` each visitor message
gets the bot's draft — its top intents, its answer in the visitor's language and its
confidence — sent to the chat's agents as an ``assist`` event and kept with the message
for the ``open`` detail.  The agent's reply names the draft it started from
(``draft_for``); every draft is settled once as ``as_is``, ``edited`` or ``ignored``,
recorded as an ``assist`` conversation event that reports count.
"""
import json

import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import ConversationEvent, Message
from tests.helpers import ack_error, events, received, send, session_of

SHIPPING = "how long does shipping take"


@pytest.fixture
def held(desk, waiting_visitor):
    """A visitor whose chat an agent has claimed: ``(visitor sio, agent, conversation id)``."""

    def make(locale="en"):
        vis, conversation_id = waiting_visitor(locale)
        agent = desk(name="小王")
        assert agent.call("claim", {"conversation_id": conversation_id})["ok"]
        received(vis)
        received(agent.sio, "/agent")
        return vis, agent, conversation_id

    return make


def leaks(payload, draft) -> bool:
    """True when ``payload`` carries a draft: its key anywhere, or the drafted answer's text."""
    def keys(value):
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, (list, tuple)):
            return {k for v in value for k in keys(v)}
        return set()
    dumped = json.dumps(payload, ensure_ascii=False)
    return bool({"assist", "draft", "intents"} & keys(payload)) or draft["text"] in dumped \
        or draft["text"].splitlines()[0] in dumped


def reply(agent, conversation_id, text, client_msg_id, **extra):
    return agent.call("message", {"conversation_id": conversation_id,
                                  "client_msg_id": client_msg_id, "text": text, **extra})


def assist_events(app, conversation_id):
    with app.app_context():
        return [(e.reason, e.data["message_id"], e.actor_kind) for e in db.session.scalars(
            select(ConversationEvent).where(ConversationEvent.conversation_id == conversation_id,
                                            ConversationEvent.kind == "assist")
            .order_by(ConversationEvent.id))]


def test_the_agent_gets_the_bots_draft_under_the_visitors_message(held):
    vis, agent, conversation_id = held()
    sent = send(vis, SHIPPING)["message"]
    inbox = received(agent.sio, "/agent")
    names = [name for name, _ in inbox]
    assert names.index("message") < names.index("assist")  # the message first, then its draft
    (drafted,) = [p for name, p in inbox if name == "assist"]
    assert drafted["conversation_id"] == conversation_id
    assert drafted["message_id"] == sent["id"]
    draft = drafted["draft"]
    assert draft["intent"] == "shipping_time" and draft["language"] == "en"
    assert 0 < draft["confidence"] <= 1
    assert draft["text"] and "**" not in draft["text"]  # plain text, as agents write
    assert [i["intent"] for i in draft["intents"]][0] == "shipping_time"
    assert 1 <= len(draft["intents"]) <= 3 and all(i["title"] for i in draft["intents"])
    # The bot stayed silent to the visitor.
    assert [m["sender"] for m in events(vis, "message")] == []
    # The detail an agent opens later keeps the draft with the message.
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    (stored,) = [m for m in detail["messages"] if m["id"] == sent["id"]]
    assert stored["assist"]["text"] == draft["text"]


def test_the_draft_is_in_the_visitors_language(held):
    vis, agent, _ = held(locale="en")  # an English widget, a visitor writing Chinese
    send(vis, "运费多少钱")
    (drafted,) = agent.events("assist")
    assert drafted["draft"]["language"] == "zh"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in drafted["draft"]["text"])


def test_a_visitor_never_sees_a_draft_by_any_path(app, desk, visitor):
    vis = visitor()
    token = session_of(vis)["token"]
    conversation_id = vis.emit("request_human", {}, namespace="/visitor",
                               callback=True)["conversation"]["id"]
    agent = desk()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"]
    tab = visitor(token=token)  # a second tab of the same visitor
    session_of(tab)
    first = send(vis, SHIPPING)
    (drafted,) = agent.events("assist")
    draft = drafted["draft"]
    # Live: neither tab gets the event; the ack and the echo carry nothing of it.
    for sio in (vis, tab):
        got = received(sio)
        assert "assist" not in [name for name, _ in got] and not leaks(got, draft)
    assert not leaks(first, draft)
    # The session history after a reconnect.
    again = visitor(token=token)
    session = session_of(again)
    assert [m["id"] for m in session["messages"]][-1] == first["message"]["id"]
    assert not leaks(session, draft)
    # A read receipt on the drafted message.
    ack = vis.emit("read", {"message_id": first["message"]["id"]}, namespace="/visitor",
                   callback=True)
    assert ack["ok"] and not leaks(ack, draft)
    # REST is for desk users: the visitor's browser gets nothing there.
    assert app.test_client().get("/api/v1/conversations/search?q=shipping").status_code == 401
    with app.app_context():
        from kefu.services.visitor_history import visitor_history, visitor_replies_to
        assert not leaks(visitor_history(conversation_id, 200), draft)
        assert not leaks(visitor_replies_to(conversation_id, first["message"]["client_msg_id"]),
                         draft)
        stored = db.session.get(Message, first["message"]["id"])
        assert stored.extra["assist"]["intent"] == "shipping_time"  # kept, for agents


def test_a_draft_sent_as_is_is_recorded_as_is(app, held):
    vis, agent, conversation_id = held()
    sent = send(vis, SHIPPING)["message"]
    (drafted,) = agent.events("assist")
    ack = reply(agent, conversation_id, drafted["draft"]["text"], "a-1", draft_for=sent["id"])
    assert ack["ok"] is True
    assert events(vis, "message")[-1]["text"] == drafted["draft"]["text"]
    assert assist_events(app, conversation_id) == [("as_is", sent["id"], "agent")]
    with app.app_context():
        stored = db.session.get(Message, ack["message"]["id"])
        assert stored.extra == {"draft_for": sent["id"], "draft_use": "as_is"}


def test_an_edited_draft_is_recorded_edited_and_unnamed_drafts_ignored(app, held):
    vis, agent, conversation_id = held()
    first = send(vis, SHIPPING)["message"]
    second = send(vis, "can I return a sweater?")["message"]
    drafts = {d["message_id"]: d["draft"] for d in agent.events("assist")}
    assert set(drafts) == {first["id"], second["id"]}
    text = drafts[second["id"]]["text"] + "\nAnything else?"
    assert reply(agent, conversation_id, text, "a-1", draft_for=second["id"])["ok"]
    assert assist_events(app, conversation_id) == [("ignored", first["id"], "agent"),
                                                   ("edited", second["id"], "agent")]
    # A draft is settled once: a later reply changes nothing about these two.
    assert reply(agent, conversation_id, "bye", "a-2")["ok"]
    assert len(assist_events(app, conversation_id)) == 2


def test_a_reply_that_names_no_draft_ignores_the_open_ones(app, held):
    vis, agent, conversation_id = held()
    sent = send(vis, SHIPPING)["message"]
    assert reply(agent, conversation_id, "Let me check that for you.", "a-1")["ok"]
    assert assist_events(app, conversation_id) == [("ignored", sent["id"], "agent")]
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    (stored,) = [m for m in detail["messages"] if m["id"] == sent["id"]]
    assert stored["assist"]["use"] == "ignored"


def test_a_note_settles_no_draft(app, held):
    vis, agent, conversation_id = held()
    send(vis, SHIPPING)
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n",
                               "text": "vip"})["ok"]
    assert assist_events(app, conversation_id) == []


@pytest.mark.parametrize("draft_for, code", [
    ("12", "invalid_type"), (True, "invalid_type"), (0, "out_of_range"),
    (999999, "not_found"),
])
def test_draft_for_is_validated(app, held, draft_for, code):
    vis, agent, conversation_id = held()
    send(vis, SHIPPING)
    ack = reply(agent, conversation_id, "hi", "a-1", draft_for=draft_for)
    assert ack_error(ack) == code
    with app.app_context():
        assert db.session.scalars(select(Message).where(Message.sender == "agent")).all() == []


def test_draft_for_must_name_a_drafted_message_of_this_conversation(app, held, desk):
    vis, agent, conversation_id = held()
    sent = send(vis, SHIPPING)["message"]
    other_vis, _, other_id = held()
    other = send(other_vis, SHIPPING)["message"]
    ack = reply(agent, conversation_id, "hi", "a-1", draft_for=other["id"])
    assert ack_error(ack) == "not_found"
    my_reply = reply(agent, conversation_id, "hi", "a-2")["message"]
    # An agent's own message has no draft either.
    assert ack_error(reply(agent, conversation_id, "x", "a-3",
                           draft_for=my_reply["id"])) == "not_found"
    assert sent["id"] != other["id"]


def test_the_bot_drafts_nothing_while_it_owns_the_chat_or_the_chat_waits(app, desk, visitor,
                                                                       waiting_visitor):
    agent = desk()
    vis = visitor()
    session_of(vis)
    send(vis, SHIPPING)
    waiting, _ = waiting_visitor()
    send(waiting, SHIPPING)
    assert agent.events("assist") == []
    with app.app_context():
        assert all(not (m.extra or {}).get("assist") for m in db.session.scalars(select(Message)))
