"""Supervision: agents watch the chats the bot is handling and may take one over.

Specification (docs/protocol.md, "Supervision"): ``hello`` lists the chats in state
``bot`` (``bot_chats``) with the visitor's last message and the bot's last turn; every
bot turn sends every agent one ``bot_chat`` card; ``takeover`` moves a chat from the bot
to the agent through the state machine (reason ``agent_takeover``), tells the visitor in
their language, and of two agents at once exactly one wins.
"""
import threading

import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message
from tests.helpers import ack_error, events, make_user, received, send, session_of


@pytest.fixture
def bot_chat(visitor):
    """A visitor chatting with the bot: ``(sio, conversation id, first message ack)``."""

    def make(text="how long does shipping take", locale="en"):
        sio = visitor(locale=locale)
        session_of(sio)
        ack = send(sio, text)
        assert ack["ok"], ack
        received(sio)
        return sio, ack["message"]["conversation_id"], ack

    return make


def test_hello_lists_the_chats_the_bot_is_handling(desk, bot_chat, waiting_visitor):
    _, older, _ = bot_chat("how long does shipping take")
    _, newer, ack = bot_chat("can I return a sweater?")
    waiting_visitor()  # handed off: not the bot's any more
    chats = desk().hello["bot_chats"]
    assert [c["id"] for c in chats] == [newer, older]  # the latest visitor message first
    card = chats[0]
    assert card["state"] == "bot" and card["visitor"]["locale"] == "en"
    assert card["last_visitor_message"]["text"] == "can I return a sweater?"
    assert card["last_visitor_message"]["id"] == ack["message"]["id"]
    assert card["bot"]["action"] in ("answer", "suggest")
    assert 0 < card["bot"]["confidence"] <= 1


def test_each_bot_turn_updates_the_card_of_every_agent(desk, bot_chat):
    a, b = desk(), desk()
    sio, conversation_id, _ = bot_chat()
    for agent in (a, b):
        (card,) = agent.events("bot_chat")  # one card per turn, to every agent
        assert card["id"] == conversation_id
    send(sio, "运费多少")
    inbox = received(a.sio, "/agent")
    # One card and nothing else reaches the agents for a turn the bot handled itself.
    assert [name for name, _ in inbox] == ["bot_chat"]
    card = inbox[0][1]
    assert card["last_visitor_message"]["text"] == "运费多少"
    assert card["bot"]["intent"] and isinstance(card["bot"]["confidence"], float)
    detail = a.call("open", {"conversation_id": conversation_id})["conversation"]
    assert card["visitor"] == detail["visitor"]
    assert card["bot"]["id"] == detail["messages"][-1]["id"]


def test_a_bot_turn_costs_no_query_for_the_card(app, bot_chat, desk):
    """The card is built from the turn's own messages: counting statements proves it."""
    from sqlalchemy import event

    from kefu.services import supervision

    sio, conversation_id, ack = bot_chat()
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        conversation.visitor  # loaded by the turn itself (its public id addresses the outcome)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            card = supervision.turn_card(conversation, ack["message"], [])
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert statements == [] and card["id"] == conversation_id


def test_a_handoff_moves_the_chat_out_of_the_bot_list(desk, bot_chat):
    agent = desk()
    sio, conversation_id, _ = bot_chat()
    agent.events("bot_chat")
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"]
    queue = agent.events("queue")[-1]["queue"]
    assert [c["id"] for c in queue] == [conversation_id]  # the client drops it from the list
    assert agent.events("bot_chat") == []
    assert desk().hello["bot_chats"] == []


def test_takeover_gives_the_chat_to_the_agent_and_tells_the_visitor(app, desk, bot_chat):
    sio, conversation_id, _ = bot_chat("运费多少", locale="en")  # writes Chinese
    agent, other = desk(name="小王"), desk()
    ack = agent.call("takeover", {"conversation_id": conversation_id})
    assert ack["ok"] is True
    card = ack["conversation"]
    assert card["state"] == "agent" and card["assigned_agent"]["id"] == agent.id
    assert card["reason"] == "agent_takeover"
    got = received(sio)
    notices = [p for name, p in got if name == "message"]
    assert [(m["sender"], m["notice"]["kind"]) for m in notices] == [("system", "agent_joined")]
    assert notices[0]["text"] == "小王 已加入对话。"  # in the visitor's language
    views = [p for name, p in got if name == "conversation"]
    assert views[-1]["state"] == "agent" and views[-1]["agent"] == {"name": "小王"}
    assert other.events("conversation")[-1]["state"] == "agent"  # every agent's list moves
    with app.app_context():
        (event,) = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.to_state == "agent")).all()
        assert (event.kind, event.from_state, event.reason, event.actor_kind,
                event.actor_user_id) == ("taken_over", "bot", "agent_takeover", "agent",
                                         agent.id)
    # Now the agent holds it: the bot is silent, the agent replies.
    send(sio, "还有别的问题")
    assert [m["sender"] for m in events(sio, "message")] == []
    assert agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a",
                                  "text": "您好"})["ok"]


def test_only_chats_the_bot_holds_can_be_taken_over(desk, bot_chat, waiting_visitor):
    agent = desk()
    _, waiting_id = waiting_visitor()
    assert ack_error(agent.call("takeover", {"conversation_id": waiting_id})) == "invalid_state"
    assert ack_error(agent.call("takeover", {"conversation_id": 999999})) == "not_found"
    for bad, code in [({}, "missing_field"), ({"conversation_id": "1"}, "invalid_type"),
                      (["x"], "invalid_payload"), ({"conversation_id": 0}, "out_of_range")]:
        assert ack_error(agent.call("takeover", bad)) == code


def test_takeover_is_for_desk_users_only(app, desk, bot_chat):
    from kefu.services import supervision
    from kefu.services.errors import ServiceError

    _, conversation_id, _ = bot_chat()
    editor_id = make_user(app, role="editor")[0]
    with app.app_context():
        with pytest.raises(ServiceError) as refused:
            supervision.take_over(conversation_id, editor_id)
        assert refused.value.code == "forbidden"
    # A desk user demoted while connected is refused and cut off.
    agent = desk()
    with app.app_context():
        from kefu.models import User
        db.session.get(User, agent.id).role = "editor"
        db.session.commit()
    assert ack_error(agent.call("takeover", {"conversation_id": conversation_id})) == "forbidden"
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).state == "bot"


def test_two_agents_taking_over_at_once_exactly_one_wins(app, bot_chat):
    from kefu.services import supervision
    from kefu.services.errors import ServiceError

    _, conversation_id, _ = bot_chat()
    agent_ids = [make_user(app)[0] for _ in range(6)]
    start = threading.Barrier(len(agent_ids))
    outcomes = {}

    def take(agent_id):
        with app.app_context():
            start.wait()
            try:
                supervision.take_over(conversation_id, agent_id)
                outcomes[agent_id] = "won"
            except ServiceError as error:
                outcomes[agent_id] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["already_claimed"] * 5 + ["won"]
    winner = next(a for a, o in outcomes.items() if o == "won")
    with app.app_context():
        stored = db.session.get(Conversation, conversation_id)
        assert (stored.state, stored.assigned_agent_id) == ("agent", winner)
        assert len(db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.kind == "taken_over")).all()) == 1
        joined = db.session.scalars(select(Message).where(
            Message.conversation_id == conversation_id, Message.sender == "system")).all()
        assert len(joined) == 1  # the visitor is told once


def test_two_agents_take_over_over_sockets_and_one_wins(desk, bot_chat):
    _, conversation_id, _ = bot_chat()
    a, b = desk(), desk()
    acks = [a.call("takeover", {"conversation_id": conversation_id}),
            b.call("takeover", {"conversation_id": conversation_id})]
    assert [x["ok"] for x in acks] == [True, False]
    assert acks[1]["error"]["code"] == "already_claimed"


def test_after_a_takeover_the_agent_gets_drafts(desk, bot_chat):
    sio, conversation_id, _ = bot_chat()
    agent = desk()
    assert agent.call("takeover", {"conversation_id": conversation_id})["ok"]
    received(agent.sio, "/agent")
    sent = send(sio, "how long does shipping take")["message"]
    (drafted,) = agent.events("assist")
    assert drafted["message_id"] == sent["id"]
    assert drafted["draft"]["intent"] == "shipping_time"
