"""Leaving a message when nobody can chat, and answering it later."""
import pytest

from tests.helpers import ack_error, session_of


def leave(vis, **payload):
    return vis.emit("leave_message", payload, namespace="/visitor", callback=True)


def test_a_left_message_becomes_a_ticket_agents_see_and_answer(app, visitor, desk):
    vis = visitor()
    session_of(vis)
    agent = desk()
    agent.events("ticket")
    ack = leave(vis, name="Li Lei", email="li@example.com", text="Call me back")
    assert ack["ok"] is True
    assert agent.events("ticket")[0]["ticket"]["id"] == ack["ticket"]["id"]
    listing = agent.http.get("/api/v1/tickets?status=open").get_json()
    assert [t["text"] for t in listing["tickets"]] == ["Call me back"]
    response = agent.http.post(f"/api/v1/tickets/{ack['ticket']['id']}/reply",
                               json={"text": "We will call today."},
                               headers={"X-CSRFToken": agent.csrf})
    assert response.status_code == 200
    ticket = response.get_json()["ticket"]
    assert ticket["status"] == "answered" and ticket["reply_text"] == "We will call today."
    assert ticket["replied_by"]["id"] == agent.id
    assert agent.http.get("/api/v1/tickets?status=open").get_json()["tickets"] == []
    again = agent.http.post(f"/api/v1/tickets/{ticket['id']}/reply", json={"text": "x"},
                            headers={"X-CSRFToken": agent.csrf})
    assert again.status_code == 409


@pytest.mark.parametrize("payload, code", [
    ({"email": "a@b.co", "text": "hi"}, "missing_field"),
    ({"name": "A", "email": "not-an-email", "text": "hi"}, "invalid_email"),
    ({"name": "A", "email": "a@b.co", "text": "   "}, "empty_text"),
    ({"name": " ", "email": "a@b.co", "text": "hi"}, "empty_field"),
    ({"name": "A" * 121, "email": "a@b.co", "text": "hi"}, "field_too_long"),
])
def test_bad_left_messages_are_refused(visitor, payload, code):
    vis = visitor()
    session_of(vis)
    assert ack_error(leave(vis, **payload)) == code


def test_replying_to_a_missing_ticket_is_a_404(desk):
    agent = desk()
    response = agent.http.post("/api/v1/tickets/999/reply", json={"text": "x"},
                               headers={"X-CSRFToken": agent.csrf})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
