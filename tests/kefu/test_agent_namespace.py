"""The /agent namespace: hello, open, claim, messages both ways, notes, typing, read."""
import pytest

from tests.helpers import ack_error, events, received, send, session_of


def test_an_agent_gets_hello_with_the_queue_and_the_agents(desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    agent = desk(name="小王")
    hello = agent.hello
    assert hello["protocol"] == 3
    assert hello["me"]["name"] == "小王" and hello["me"]["role"] == "agent"
    assert [c["id"] for c in hello["queue"]] == [conversation_id]
    card = hello["queue"][0]
    assert card["state"] == "waiting" and card["reason"] == "visitor_request"
    assert card["waiting_seconds"] >= 0 and card["assigned_agent"] is None
    assert hello["mine"] == []
    assert any(a["id"] == agent.id and a["status"] == "online" for a in hello["agents"])


def test_claim_joins_the_agent_and_tells_the_visitor(desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    events(vis, "message")
    agent = desk(name="小王")
    ack = agent.call("claim", {"conversation_id": conversation_id})
    assert ack["ok"] is True
    assert ack["conversation"]["state"] == "agent"
    assert ack["conversation"]["assigned_agent"] == {"id": agent.id, "name": "小王"}
    received = vis.get_received("/visitor")
    notices = [e["args"] for e in received if e["name"] == "message"]
    assert any("小王" in m["text"] and m["sender"] == "system" for m in notices)
    views = [e["args"][0] for e in received if e["name"] == "conversation"]
    assert views[-1]["state"] == "agent" and views[-1]["agent"] == {"name": "小王"}
    assert views[-1]["queue"] is None
    assert agent.events("queue")[-1]["queue"] == []


def test_replies_flow_both_ways_and_are_stored(app, desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk(name="小王")
    agent.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    agent.events("message")
    ack = agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a-1",
                                 "text": "Hello, how can I help?"})
    assert ack["ok"] is True and ack["duplicate"] is False
    got = events(vis, "message")
    assert [(m["sender"], m["sender_name"], m["text"]) for m in got] == [
        ("agent", "小王", "Hello, how can I help?")]
    v_ack = send(vis, "My parcel is late", client_msg_id="v-1")
    assert v_ack["ok"] is True
    inbox = received(agent.sio, "/agent")
    to_agent = [p for name, p in inbox if name == "message"]
    assert [m["text"] for m in to_agent if m["sender"] == "visitor"] == ["My parcel is late"]
    cards = [p for name, p in inbox if name == "conversation"]
    assert cards[-1]["unread"] == 1
    again = agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a-1",
                                   "text": "Hello, how can I help?"})
    assert again["duplicate"] is True and again["message"]["id"] == ack["message"]["id"]
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert [m["sender"] for m in detail["messages"]][-2:] == ["agent", "visitor"]


def test_first_agent_reply_at_is_set_by_the_first_human_reply_only(app, desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n", "text": "vip"})
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert detail["first_agent_reply_at"] is None
    agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a",
                           "text": "hi"})
    first = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert first["first_agent_reply_at"] is not None
    agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "b",
                           "text": "again"})
    second = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert second["first_agent_reply_at"] == first["first_agent_reply_at"]


def test_notes_never_reach_the_visitor(desk, waiting_visitor, visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    ack = agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                              "text": "customer sounds upset"})
    assert ack["ok"] is True and ack["message"]["sender"] == "note"
    assert events(vis, "message") == []
    assert any(m["sender"] == "note" for m in agent.events("message"))


def test_typing_is_relayed_both_ways(desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk(name="小王")
    agent.call("claim", {"conversation_id": conversation_id})
    agent.events("typing")
    assert agent.call("typing", {"conversation_id": conversation_id, "typing": True})["ok"]
    assert events(vis, "typing") == [{"sender": "agent", "name": "小王", "typing": True}]
    assert vis.emit("typing", {"typing": True}, namespace="/visitor", callback=True)["ok"]
    assert agent.events("typing") == [{"conversation_id": conversation_id,
                                       "sender": "visitor", "typing": True}]


def test_read_receipts_go_both_ways(desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    v_msg = send(vis, "are you there?")["message"]
    ack = agent.call("read", {"conversation_id": conversation_id, "message_id": v_msg["id"]})
    assert ack["ok"] is True and ack["up_to"] == v_msg["id"]
    assert events(vis, "read") == [{"reader": "agent", "up_to": v_msg["id"]}]
    card = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert card["unread"] == 0
    a_msg = agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "x",
                                   "text": "yes"})["message"]
    agent.events("read")
    assert vis.emit("read", {"message_id": a_msg["id"]}, namespace="/visitor",
                    callback=True)["ok"]
    assert agent.events("read") == [{"conversation_id": conversation_id, "reader": "visitor",
                                     "up_to": a_msg["id"]}]


def test_the_agents_read_marker_reaches_a_visitor_who_reconnects(desk, visitor):
    first = visitor()
    token = session_of(first)["token"]
    waiting = first.emit("request_human", {}, namespace="/visitor", callback=True)
    assert waiting["conversation"]["agent_read_up_to"] is None
    conversation_id = waiting["conversation"]["id"]
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    question = send(first, "are you there?")["message"]
    agent.call("read", {"conversation_id": conversation_id, "message_id": question["id"]})
    first.disconnect("/visitor")

    again = visitor(token=token)
    inbox = received(again)
    session = [p for name, p in inbox if name == "session"][0]
    assert session["conversation_id"] == conversation_id
    assert session["agent_read_up_to"] == question["id"]
    view = [p for name, p in inbox if name == "conversation"][-1]
    assert view["agent_read_up_to"] == question["id"]


def test_a_visitor_without_a_conversation_has_no_read_marker(visitor):
    assert session_of(visitor())["agent_read_up_to"] is None


def test_system_notices_carry_their_kind_and_parameters_to_the_agent(desk, waiting_visitor):
    agent = desk(name="小王")  # online: the visitor gets a queue place, not the offline offer
    vis, conversation_id = waiting_visitor(locale="en")
    told = [m for m in events(vis, "message") if m["sender"] == "system"]
    assert [m["notice"]["kind"] for m in told] == ["handoff", "queue_place"]
    assert told[1]["notice"]["params"]["position"] == 1
    assert told[1]["text"].startswith("You are number 1 in the queue")  # the visitor's language

    agent.events("message")
    agent.call("claim", {"conversation_id": conversation_id})
    joined = [m for m in agent.events("message") if m["sender"] == "system"]
    assert [(m["notice"], m["text"]) for m in joined] == [
        ({"kind": "agent_joined", "params": {"name": "小王"}}, "小王 has joined the chat.")]
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert [m["notice"]["kind"] for m in detail["messages"] if m["sender"] == "system"] == [
        "handoff", "queue_place", "agent_joined"]
    reply = agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a",
                                   "text": "Hello"})["message"]
    assert reply["notice"] is None
    agent.call("close", {"conversation_id": conversation_id})
    assert [m["notice"]["kind"] for m in agent.events("message")
            if m["sender"] == "system"] == ["closed"]


def test_open_shows_the_handoff_reason_guesses_and_visitor_details(
        desk, visitor, bot_phrases):
    agent = desk()  # someone online: the second miss queues the visitor
    vis = visitor(locale="zh", page={"url": "https://shop.example/cart", "title": "Cart"})
    first, second = bot_phrases["unsure"]
    send(vis, first)
    conversation_id = send(vis, second)["message"]["conversation_id"]
    assert [c["id"] for c in agent.events("queue")[-1]["queue"]] == [conversation_id]
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert detail["handoff"]["reason"] == "repeated_miss"
    guesses = detail["handoff"]["guesses"]
    assert len(guesses) == 3 and len({g["intent"] for g in guesses}) == 3
    assert all(0 < g["confidence"] < 1 and g["title"] for g in guesses)
    bot_lines = [m for m in detail["messages"] if m["sender"] == "bot"]
    assert bot_lines[0]["action"] == "suggest" and 0 < bot_lines[0]["confidence"] < 1
    assert bot_lines[0]["intent"] == bot_lines[0]["suggestions"][0]["intent"]
    details = detail["visitor_details"]
    assert details["locale"] == "zh" and details["first_seen"]
    assert details["pages"] == [{"url": "https://shop.example/cart", "title": "Cart"}]
    assert details["earlier_conversations"] == []


@pytest.mark.parametrize("event, payload, code", [
    ("claim", None, "invalid_payload"),
    ("claim", {}, "missing_field"),
    ("claim", {"conversation_id": "1"}, "invalid_type"),
    ("claim", {"conversation_id": True}, "invalid_type"),
    ("claim", {"conversation_id": 0}, "out_of_range"),
    ("claim", {"conversation_id": 999}, "not_found"),
    ("open", {"conversation_id": 999}, "not_found"),
    ("message", {"conversation_id": 999, "client_msg_id": "x", "text": "hi"}, "not_found"),
    ("message", {"conversation_id": 1, "client_msg_id": "x", "text": "  "}, "empty_text"),
    ("message", {"conversation_id": 1, "client_msg_id": "x", "text": "a" * 2001},
     "text_too_long"),
    ("message", {"conversation_id": 1, "text": "hi"}, "missing_field"),
    ("typing", {"conversation_id": 1, "typing": "yes"}, "invalid_type"),
    ("read", {"conversation_id": 1}, "missing_field"),
    ("transfer", {"conversation_id": 1}, "missing_field"),
    ("presence", {"status": "busy"}, "invalid_status"),
])
def test_bad_agent_payloads_get_error_codes_and_the_socket_keeps_serving(
        desk, event, payload, code):
    agent = desk()
    ack = agent.sio.emit(event, payload, namespace="/agent", callback=True)
    assert ack_error(ack) == code and ack["error"]["message"]
    assert agent.sio.is_connected("/agent")
    assert agent.call("presence", {"status": "online"})["ok"] is True


def test_claiming_twice_tells_the_loser_already_claimed(desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    first, second = desk(), desk()
    assert first.call("claim", {"conversation_id": conversation_id})["ok"] is True
    assert ack_error(second.call("claim", {"conversation_id": conversation_id})) == \
        "already_claimed"


def test_a_bot_conversation_cannot_be_claimed(desk, visitor):
    vis = visitor()
    conversation_id = send(vis, "how long does shipping take")["message"]["conversation_id"]
    assert ack_error(desk().call("claim", {"conversation_id": conversation_id})) == \
        "invalid_state"


def admin_with_a_claimed_chat(app):
    """An admin's /agent test client that has claimed a visitor's chat: (sio, conversation_id)."""
    from kefu.extensions import socketio
    from tests.helpers import login, make_user

    user_id, email, password = make_user(app, role="admin")
    http = app.test_client()
    login(http, email, password)
    vis = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
    conversation_id = vis.emit("request_human", {}, namespace="/visitor",
                               callback=True)["conversation"]["id"]
    sio = socketio.test_client(app, namespace="/agent", flask_test_client=http)
    sio.emit("claim", {"conversation_id": conversation_id}, namespace="/agent", callback=True)
    return sio, conversation_id


def test_agent_message_floods_are_rate_limited(app_factory):
    sio, conversation_id = admin_with_a_claimed_chat(
        app_factory(AGENT_MESSAGE_RATE_LIMIT="3 per minute"))
    acks = [sio.emit("message", {"conversation_id": conversation_id, "client_msg_id": f"f{i}",
                                 "text": "spam"}, namespace="/agent", callback=True)
            for i in range(4)]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"]["code"] == "rate_limited"


def test_agent_typing_floods_are_rate_limited(app_factory):
    sio, conversation_id = admin_with_a_claimed_chat(
        app_factory(AGENT_EVENT_RATE_LIMIT="3 per minute"))
    acks = [sio.emit("typing", {"conversation_id": conversation_id, "typing": True},
                     namespace="/agent", callback=True) for _ in range(4)]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"]["code"] == "rate_limited"
    assert sio.is_connected("/agent")
