"""The whole handoff: escalation by each reason, queue places, silence of the bot,
transfer, release, close with a rating, and the offline path."""
import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Ticket
from tests.helpers import ack_error, events, put_setting, received, send, session_of


def handoff_event(app, conversation_id):
    with app.app_context():
        return db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.kind == "escalated")).one()


def conversation(app, conversation_id):
    with app.app_context():
        return db.session.get(Conversation, conversation_id)


@pytest.mark.parametrize("kind, reason", [
    ("handoff", "handoff_intent"),
    ("unsure", "repeated_miss"),
])
def test_the_bot_hands_over_for_each_of_its_reasons(app, visitor, bot_phrases, desk,
                                                     kind, reason):
    texts = bot_phrases[kind]
    agent = desk()
    vis = visitor()
    session_of(vis)
    for text in texts:
        ack = send(vis, text)
    conversation_id = ack["message"]["conversation_id"]
    assert conversation(app, conversation_id).state == "waiting"
    assert conversation(app, conversation_id).escalated_at is not None
    event = handoff_event(app, conversation_id)
    assert (event.from_state, event.to_state, event.reason) == ("bot", "waiting", reason)
    inbox = received(vis)
    views = [p for name, p in inbox if name == "conversation"]
    assert views[-1]["state"] == "waiting"
    assert views[-1]["queue"]["position"] == 1 and views[-1]["queue"]["expected_wait_seconds"] > 0
    assert views[-1]["offline"] is None
    notices = [p for name, p in inbox if name == "message" and p["sender"] == "system"]
    assert any(n["notice"]["kind"] == "queue_place" and n["notice"]["params"]["position"] == 1
               for n in notices)
    assert [c["reason"] for c in agent.events("queue")[-1]["queue"]] == [reason]


def test_the_visitor_request_hands_over_and_asking_again_changes_nothing(app, visitor, desk):
    desk()
    vis = visitor()
    session_of(vis)
    send(vis, "how long does shipping take")
    ack = vis.emit("request_human", {}, namespace="/visitor", callback=True)
    assert ack["ok"] is True and ack["conversation"]["state"] == "waiting"
    conversation_id = ack["conversation"]["id"]
    assert handoff_event(app, conversation_id).reason == "visitor_request"
    again = vis.emit("request_human", {}, namespace="/visitor", callback=True)
    assert again["ok"] is True and again["conversation"]["id"] == conversation_id
    assert handoff_event(app, conversation_id).reason == "visitor_request"  # still one


def test_the_real_bot_hands_over_on_the_handoff_intent(app, visitor):
    vis = visitor(locale="zh")
    session_of(vis)
    conversation_id = send(vis, "转人工")["message"]["conversation_id"]
    assert conversation(app, conversation_id).state == "waiting"
    assert handoff_event(app, conversation_id).reason == "handoff_intent"


def test_queue_places_move_up_as_the_queue_moves(desk, waiting_visitor):
    agent = desk()
    first, first_id = waiting_visitor()
    second, second_id = waiting_visitor()
    assert [p for n, p in received(second) if n == "conversation"][-1]["queue"]["position"] == 2
    agent.call("claim", {"conversation_id": first_id})
    views = [p for n, p in received(second) if n == "conversation"]
    assert views[-1]["id"] == second_id and views[-1]["queue"]["position"] == 1


def test_the_bot_answers_while_the_visitor_waits_and_is_silent_once_an_agent_has_it(
        app, desk, waiting_visitor):
    agent = desk()
    vis, conversation_id = waiting_visitor()
    agent.call("open", {"conversation_id": conversation_id})  # reading along
    events(vis, "message")
    send(vis, "how long does shipping take")  # waiting: a confident answer, marked so
    inbox = received(vis)
    [reply] = [p for name, p in inbox if name == "message"]
    assert (reply["sender"], reply["intent"], reply["while_waiting"]) == \
        ("bot", "shipping_time", True)
    view = [p for name, p in inbox if name == "conversation"][-1]
    assert view["state"] == "waiting" and view["queue"]["position"] == 1  # kept its place
    assert reply in agent.events("message")  # the agent sees what the bot told them
    send(vis, "asdfgh qwerty zxcvb")  # waiting: nothing the bot is sure of, so silence
    assert events(vis, "message") == []
    agent.call("claim", {"conversation_id": conversation_id})
    assert [m["notice"]["kind"] for m in events(vis, "message")] == ["agent_joined"]
    send(vis, "how long does shipping take", intent="shipping_time")  # agent: silent
    send(vis, "how much is shipping")
    assert events(vis, "message") == []
    bot_lines = [m for m in agent.call("open", {"conversation_id": conversation_id})
                 ["conversation"]["messages"] if m["sender"] == "bot"]
    assert [m["while_waiting"] for m in bot_lines] == [True]


def test_with_answers_while_waiting_off_the_bot_is_silent_in_the_queue(app, waiting_visitor):
    put_setting(app, "answer_while_waiting", False)
    vis, _ = waiting_visitor()
    events(vis, "message")
    send(vis, "how long does shipping take")
    assert events(vis, "message") == []


def test_transfer_moves_the_chat_and_keeps_the_note_private(app, desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    first, second = desk(name="小王"), desk(name="小李")
    first.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    second.events("conversation")
    ack = first.call("transfer", {"conversation_id": conversation_id,
                                  "to_agent_id": second.id, "note": "wants a refund"})
    assert ack["ok"] is True
    assert ack["conversation"]["assigned_agent"] == {"id": second.id, "name": "小李"}
    to_visitor = events(vis, "message")
    assert [m["sender"] for m in to_visitor] == ["system"]
    assert "小李" in to_visitor[0]["text"] and "refund" not in to_visitor[0]["text"]
    notes = [m for m in second.events("message") if m["sender"] == "note"]
    assert [n["text"] for n in notes] == ["wants a refund"]
    # the old agent can no longer write, the new one can
    assert ack_error(first.call("message", {"conversation_id": conversation_id,
                                            "client_msg_id": "x", "text": "hi"})) == \
        "not_assigned"
    assert second.call("message", {"conversation_id": conversation_id, "client_msg_id": "y",
                                   "text": "hi"})["ok"] is True


def test_transfer_only_to_an_active_desk_user(app, desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    agent, editor = desk(), desk(role="editor")
    agent.call("claim", {"conversation_id": conversation_id})
    for target in (editor.id, 99999, agent.id):
        ack = agent.call("transfer", {"conversation_id": conversation_id,
                                      "to_agent_id": target})
        assert ack_error(ack) == "invalid_agent"


def test_release_hands_the_chat_back_to_the_bot(app, desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    ack = agent.call("release", {"conversation_id": conversation_id})
    assert ack["ok"] is True and ack["conversation"]["state"] == "bot"
    assert [p for n, p in received(vis) if n == "conversation"][-1]["state"] == "bot"
    reply = send(vis, "how long does shipping take")
    assert reply["message"]["conversation_id"] == conversation_id
    answers = events(vis, "message")
    assert [(m["sender"], m["intent"]) for m in answers] == [("bot", "shipping_time")]
    assert [m["notice"]["kind"] for m in agent.events("message")
            if m["sender"] == "system"][-1] == "released"


def test_close_asks_for_a_rating_which_is_stored_once(app, desk, waiting_visitor, visitor):
    vis, conversation_id = waiting_visitor()
    assert ack_error(vis.emit("rate", {"rating": 5}, namespace="/visitor",
                              callback=True)) == "not_closed"
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    ack = agent.call("close", {"conversation_id": conversation_id})
    assert ack["ok"] is True and ack["conversation"]["state"] == "closed"
    views = [p for n, p in received(vis) if n == "conversation"]
    assert views[-1]["state"] == "closed" and views[-1]["can_rate"] is True
    rated = vis.emit("rate", {"rating": 4, "comment": "quick, thanks"}, namespace="/visitor",
                     callback=True)
    assert rated["ok"] is True
    stored = conversation(app, conversation_id)
    assert (stored.rating, stored.rating_comment) == (4, "quick, thanks")
    assert stored.closed_at is not None
    assert ack_error(vis.emit("rate", {"rating": 1}, namespace="/visitor",
                              callback=True)) == "already_rated"


@pytest.mark.parametrize("payload, code", [
    ({"rating": 0}, "out_of_range"),
    ({"rating": 6}, "out_of_range"),
    ({"rating": "5"}, "invalid_type"),
    ({}, "missing_field"),
    ({"rating": 3, "comment": "x" * 1001}, "field_too_long"),
])
def test_bad_ratings_are_refused(waiting_visitor, payload, code):
    vis, _ = waiting_visitor()
    assert ack_error(vis.emit("rate", payload, namespace="/visitor", callback=True)) == code


def test_with_nobody_online_the_visitor_is_offered_the_message_form(app, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    inbox = received(vis)
    view = [p for n, p in inbox if n == "conversation"][-1]
    assert view["state"] == "waiting" and view["offline"] == {"reason": "no_agents"}
    offer = [p for n, p in inbox if n == "message"][-1]
    assert offer["sender"] == "system" and "Leave a message" in offer["text"]
    assert offer["notice"] == {"kind": "offline_no_agents", "params": {}}
    ack = vis.emit("leave_message", {"name": "Li Lei", "email": "li@example.com",
                                     "text": "Where is my parcel?"},
                   namespace="/visitor", callback=True)
    assert ack["ok"] is True
    with app.app_context():
        ticket = db.session.get(Ticket, ack["ticket"]["id"])
        assert (ticket.name, ticket.email, ticket.text, ticket.status) == (
            "Li Lei", "li@example.com", "Where is my parcel?", "open")
        assert ticket.conversation_id == conversation_id
    assert conversation(app, conversation_id).state == "waiting"  # still in the queue


def test_outside_business_hours_the_visitor_is_told_so(app, desk, waiting_visitor):
    desk()
    put_setting(app, "business_hours", {"tz": "Asia/Shanghai", "days": [], "start": "09:00",
                                        "end": "21:00"})
    vis, _ = waiting_visitor(locale="zh")
    view = [p for n, p in received(vis) if n == "conversation"][-1]
    assert view["offline"] == {"reason": "after_hours"}


def test_an_agent_coming_online_clears_the_offline_notice(app, desk, waiting_visitor):
    vis, _ = waiting_visitor()
    received(vis)
    desk()
    view = [p for n, p in received(vis) if n == "conversation"][-1]
    assert view["offline"] is None and view["queue"]["position"] == 1


def test_an_unclear_handoff_shows_the_real_bots_top_guesses(app, visitor, desk):
    vis = visitor()
    session_of(vis)
    agent = desk()
    send(vis, "问一下那个东西")  # the first miss is clarified, the second hands off
    conversation_id = send(vis, "问一下那个东西")["message"]["conversation_id"]
    assert conversation(app, conversation_id).state == "waiting"
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert detail["handoff"]["reason"] == "repeated_miss"
    guesses = detail["handoff"]["guesses"]
    assert len(guesses) == 3 and all(g["intent"] and g["title"] for g in guesses)
    assert guesses == sorted(guesses, key=lambda g: -g["confidence"])
