"""An agent sends a visitor line of a chat they handled to the learning inbox with one
click ("the bot should have answered this", /agent ``to_inbox``)."""
import pytest

from tests.helpers import ack_error, login, make_user, send
from tests.kefu.test_studio_inbox import group_of


@pytest.fixture
def handled(desk, waiting_visitor):
    """An agent holding a chat whose visitor asked something: ``(agent, chat id, line id)``."""
    sio, conversation_id = waiting_visitor()
    agent = desk()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    line = send(sio, "do you sell gift wrapping for the silk scarves")["message"]
    return agent, conversation_id, line["id"]


def to_inbox(agent, conversation_id, message_id):
    return agent.call("to_inbox", {"conversation_id": conversation_id, "message_id": message_id})


def inbox_page(app):
    _, email, password = make_user(app, role="editor")
    editor = app.test_client()
    login(editor, email, password)
    return editor.get("/studio/inbox").get_data(as_text=True)


def test_a_line_sent_by_its_agent_is_in_the_inbox_once(app, handled):
    agent, conversation_id, line_id = handled
    assert to_inbox(agent, conversation_id, line_id) == {
        "ok": True, "to_inbox": {"message_id": line_id}, "duplicate": False}
    assert to_inbox(agent, conversation_id, line_id)["duplicate"] is True
    texts, kinds = group_of(inbox_page(app), "do you sell gift wrapping for the silk scarves")
    assert kinds == {"agent": 1}  # sent twice, counted once


def test_the_chat_shows_which_lines_are_in_the_inbox_after_reopening(handled):
    agent, conversation_id, line_id = handled
    to_inbox(agent, conversation_id, line_id)
    opened = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    marked = {m["id"]: m.get("sent_to_inbox", False) for m in opened["messages"]
              if m["sender"] == "visitor"}
    assert marked[line_id] is True
    assert [v for k, v in marked.items() if k != line_id] == [False] * (len(marked) - 1)


def test_a_closed_chat_can_still_send_its_lines(handled):
    agent, conversation_id, line_id = handled
    assert agent.call("close", {"conversation_id": conversation_id})["ok"] is True
    assert to_inbox(agent, conversation_id, line_id)["ok"] is True


def test_only_the_agent_who_handled_it_or_an_admin_may_send(desk, handled):
    agent, conversation_id, line_id = handled
    assert ack_error(to_inbox(desk(), conversation_id, line_id)) == "not_assigned"
    editor = desk(role="editor")
    assert not editor.sio.is_connected("/agent")  # editors never reach /agent at all
    assert to_inbox(desk(role="admin"), conversation_id, line_id)["ok"] is True


def test_only_visitor_lines_of_that_chat_can_be_sent(app, desk, handled, waiting_visitor):
    agent, conversation_id, line_id = handled
    opened = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    not_visitor = next(m["id"] for m in opened["messages"] if m["sender"] != "visitor")
    assert ack_error(to_inbox(agent, conversation_id, not_visitor)) == "not_found"
    _, other_chat = waiting_visitor()
    assert ack_error(to_inbox(agent, other_chat, line_id)) == "not_assigned"
    assert ack_error(to_inbox(agent, conversation_id, 10**9)) == "not_found"
    assert "gift wrapping" not in inbox_page(app)


@pytest.mark.parametrize("payload, code", [
    (None, "invalid_payload"), ({}, "missing_field"), ({"conversation_id": 1}, "missing_field"),
    ({"conversation_id": 1, "message_id": "2"}, "invalid_type"),
])
def test_bad_payloads_get_a_clear_error(handled, payload, code):
    agent, conversation_id, line_id = handled
    assert ack_error(agent.sio.emit("to_inbox", payload, namespace="/agent",
                                    callback=True)) == code
    assert to_inbox(agent, conversation_id, line_id)["ok"] is True
