"""Frames the protocol must answer without a crash: extra arguments, unknown events, null.

Every client event gets an ack of the documented shape (docs/protocol.md, "Errors"),
whatever arity or name it arrives with, and the socket keeps serving afterwards.
"""
import pytest

from tests.helpers import ack_error, send, session_of


def test_a_visitor_event_with_an_extra_argument_is_invalid_payload_and_the_socket_serves_on(
        visitor):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("message", {"client_msg_id": "x1", "text": "hello"}, "extra",
                   namespace="/visitor", callback=True)
    assert ack_error(ack) == "invalid_payload"
    assert send(sio, "how long does shipping take")["ok"] is True


@pytest.mark.parametrize("event", ["request_human", "typing", "read", "rate", "leave_message"])
def test_every_visitor_event_refuses_two_payloads(visitor, event):
    sio = visitor()
    session_of(sio)
    ack = sio.emit(event, {}, {}, namespace="/visitor", callback=True)
    assert ack_error(ack) == "invalid_payload"


def test_an_unknown_visitor_event_gets_unknown_event_not_a_null_ack(visitor):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("claim", {"conversation_id": 1}, namespace="/visitor", callback=True)
    assert ack_error(ack) == "unknown_event"
    assert send(sio, "hello")["ok"] is True


def test_an_agent_event_with_an_extra_argument_is_invalid_payload(desk):
    agent = desk()
    ack = agent.sio.emit("presence", {"status": "away"}, "extra", namespace="/agent",
                         callback=True)
    assert ack_error(ack) == "invalid_payload"
    assert agent.call("presence", {"status": "online"})["ok"] is True


def test_an_unknown_agent_event_gets_unknown_event(desk):
    agent = desk()
    assert ack_error(agent.call("leave_message", {"text": "x"})) == "unknown_event"
    assert agent.call("presence", {"status": "online"})["ok"] is True


def test_request_human_without_an_argument_is_accepted(visitor):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("request_human", namespace="/visitor", callback=True)
    assert ack["ok"] is True and ack["conversation"]["state"] == "waiting"


@pytest.mark.parametrize("payload", [None, [], "please", 1])
def test_request_human_with_null_or_a_non_object_is_invalid_payload(visitor, payload):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("request_human", payload, namespace="/visitor", callback=True)
    assert ack_error(ack) == "invalid_payload"
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True


def test_an_event_with_fields_sent_without_an_argument_is_invalid_payload(visitor):
    sio = visitor()
    session_of(sio)
    assert ack_error(sio.emit("message", namespace="/visitor", callback=True)) \
        == "invalid_payload"
