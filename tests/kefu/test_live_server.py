"""The real server (eventlet, subprocess) with real python-socketio clients."""
import socketio


def connect(server, auth):
    client = socketio.SimpleClient()
    client.connect(server.url, namespace="/visitor", auth=auth, transports=["websocket"])
    return client


def test_first_start_creates_an_admin_and_prints_the_password_once(live_server):
    output = live_server.output()
    assert output.count("password:") == 1
    assert "admin@example.com" in output


def test_visitor_asks_and_the_bot_answers_over_a_real_socket(live_server):
    client = connect(live_server, {"locale": "en"})
    try:
        name, session = client.receive(timeout=10)
        assert name == "session"
        ack = client.call("message", {"client_msg_id": "live-1",
                                      "text": "how long does shipping take"}, timeout=10)
        assert ack["ok"] is True
        events = {}
        while "message" not in events:
            name, data = client.receive(timeout=10)
            events[name] = data
        assert events["message"]["reply_to"] == "live-1"
        assert events["message"]["intent"] == "shipping_time"
    finally:
        client.disconnect()


def test_forged_token_is_refused_with_a_reason(live_server):
    client = socketio.Client()
    refusals = []
    client.on("connect_error", refusals.append, namespace="/visitor")
    try:
        client.connect(live_server.url, namespaces=["/visitor"],
                       auth={"token": "forged.token.value", "locale": "en"},
                       transports=["websocket"], wait_timeout=10)
    except socketio.exceptions.ConnectionError:
        assert refusals and refusals[0]["data"]["code"] == "invalid_token", refusals
    else:
        raise AssertionError("a forged token was accepted")
    finally:
        client.disconnect()
