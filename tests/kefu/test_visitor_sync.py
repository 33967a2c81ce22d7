"""``sync``: a widget whose socket was down gets every reply it missed, once, in order,
and never a private note (docs/protocol.md, "sync")."""
import socketio

from tests.helpers import ack_error, events, send, session_of


def sync(sio, after_id):
    return sio.emit("sync", {"after_id": after_id}, namespace="/visitor", callback=True)


def agent_chat(sio, desk):
    """The visitor's chat handed to an agent; returns (conversation id, agent)."""
    conversation_id = send(sio, "where is my parcel")["message"]["conversation_id"]
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    agent = desk(name="Ann")
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    return conversation_id, agent


def test_a_reply_sent_while_the_socket_was_down_arrives_once_after_reconnecting(
        visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    conversation_id, agent = agent_chat(sio, desk)
    shown = [m["id"] for m in events(sio, "message")]
    last_seen = max(shown)
    sio.disconnect("/visitor")

    assert agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a1",
                                  "text": "It ships today"})["ok"] is True
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                               "text": "private: VIP customer"})["ok"] is True
    assert agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "a2",
                                  "text": "Anything else?"})["ok"] is True

    again = visitor(token=token)
    session_of(again)
    ack = sync(again, last_seen)
    assert ack["ok"] is True and ack["more"] is False
    assert [m["text"] for m in ack["messages"]] == ["It ships today", "Anything else?"]
    assert [m["sender"] for m in ack["messages"]] == ["agent", "agent"]
    assert ack["conversation"]["id"] == conversation_id
    assert ack["conversation"]["state"] == "agent"
    # Asking again from the newest id gets nothing: the widget shows each reply once.
    assert sync(again, ack["messages"][-1]["id"])["messages"] == []


def test_sync_from_the_start_is_the_whole_visible_chat_without_notes(visitor, desk):
    sio = visitor()
    session_of(sio)
    conversation_id, agent = agent_chat(sio, desk)
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                               "text": "private"})["ok"] is True
    messages = sync(sio, 0)["messages"]
    assert messages and all(m["sender"] != "note" for m in messages)
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)
    assert messages[0]["text"] == "where is my parcel"


def test_sync_pages_forward_when_more_was_missed_than_one_answer_holds(app, visitor, desk):
    app.config["HISTORY_LIMIT"] = 3
    sio = visitor()
    session_of(sio)
    conversation_id, agent = agent_chat(sio, desk)
    for n in range(5):
        assert agent.call("message", {"conversation_id": conversation_id,
                                      "client_msg_id": f"a{n}", "text": f"line {n}"})["ok"]
    seen, after, pages = [], 0, 0
    while True:
        ack = sync(sio, after)
        pages += 1
        seen += ack["messages"]
        if not ack["more"]:
            break
        after = ack["messages"][-1]["id"]
    assert pages > 1
    assert [m["id"] for m in seen] == sorted({m["id"] for m in seen})
    assert [m["text"] for m in seen][-5:] == [f"line {n}" for n in range(5)]


def test_sync_reaches_a_chat_closed_while_away_and_says_it_can_be_rated(visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    conversation_id, agent = agent_chat(sio, desk)
    last_seen = max(m["id"] for m in events(sio, "message"))
    sio.disconnect("/visitor")
    assert agent.call("close", {"conversation_id": conversation_id})["ok"] is True
    again = visitor(token=token)
    assert session_of(again)["conversation_id"] is None  # nothing open any more
    ack = sync(again, last_seen)
    assert [m["notice"]["kind"] for m in ack["messages"]] == ["closed"]
    assert ack["conversation"]["state"] == "closed" and ack["conversation"]["can_rate"] is True


def test_sync_never_returns_another_visitors_messages(visitor, desk):
    first = visitor()
    session_of(first)
    send(first, "my secret order number is 4711")
    other = visitor()
    session_of(other)
    assert sync(other, 0)["messages"] == []


def test_sync_validates_its_payload(visitor):
    sio = visitor()
    session_of(sio)
    assert ack_error(sio.emit("sync", namespace="/visitor", callback=True)) == "invalid_payload"
    assert ack_error(sio.emit("sync", {}, namespace="/visitor", callback=True)) == "missing_field"
    assert ack_error(sync(sio, "5")) == "invalid_type"
    assert ack_error(sync(sio, -1)) == "out_of_range"
    assert ack_error(sync(sio, True)) == "invalid_type"


def test_a_real_client_catches_up_over_the_live_server(live_server):
    """Over eventlet and a websocket: the reply of the bot is found again by sync."""
    client = socketio.SimpleClient()
    client.connect(live_server.url, namespace="/visitor", auth={"locale": "en"},
                   transports=["websocket"])
    try:
        name, session = client.receive(timeout=10)
        assert name == "session"
        ack = client.call("message", {"client_msg_id": "sync-live-1",
                                      "text": "how long does shipping take"}, timeout=10)
        mine = ack["message"]["id"]
    finally:
        client.disconnect()
    again = socketio.SimpleClient()
    again.connect(live_server.url, namespace="/visitor",
                  auth={"locale": "en", "token": session["token"]}, transports=["websocket"])
    try:
        assert again.receive(timeout=10)[0] == "session"
        caught = again.call("sync", {"after_id": mine}, timeout=10)
        assert caught["ok"] is True
        assert [m["reply_to"] for m in caught["messages"]] == ["sync-live-1"]
        assert caught["messages"][0]["sender"] == "bot"
    finally:
        again.disconnect()
