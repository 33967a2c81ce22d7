"""The lifecycle jobs: a waiting visitor who left leaves the queue, an idle agent chat closes.

Time is moved, not waited for: each run gets ``now``, and the server processes' beats
in between are the same calls with the same clock (``visitor_presence.heartbeat``).
"""
from datetime import timedelta

import pytest

from sqlalchemy import select, update

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, VisitorConnection, utcnow
from tests.helpers import events, put_setting, received, send, session_of


def later(app, seconds):
    """The time ``seconds`` from now, with every live socket still beating then."""
    from kefu.services import visitor_presence

    when = utcnow() + timedelta(seconds=seconds)
    with app.app_context():
        visitor_presence.heartbeat(now=when)
    return when


def run(app, now):
    """One tick of the lifecycle loop in this process, at ``now``."""
    from kefu.realtime import background

    with app.app_context():
        return background.run_lifecycle(now=now)


def state_of(app, conversation_id):
    with app.app_context():
        return db.session.get(Conversation, conversation_id).state


def events_of(app, conversation_id, kind):
    with app.app_context():
        return [(e.from_state, e.to_state, e.actor_kind, e.reason) for e in db.session.scalars(
            select(ConversationEvent).where(ConversationEvent.conversation_id == conversation_id,
                                            ConversationEvent.kind == kind))]


def connections_of(app, conversation_id):
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        return db.session.scalars(select(VisitorConnection).where(
            VisitorConnection.visitor_id == conversation.visitor_id)).all()


# --- presence -------------------------------------------------------------------------

def test_a_visitor_socket_is_a_presence_row_until_it_closes(app, waiting_visitor):
    sio, conversation_id = waiting_visitor()
    assert len(connections_of(app, conversation_id)) == 1
    sio.disconnect("/visitor")
    assert connections_of(app, conversation_id) == []


# --- abandonment ----------------------------------------------------------------------

def test_a_waiting_visitor_gone_longer_than_the_setting_leaves_the_queue_and_it_moves_up(
        app, desk, waiting_visitor):
    agent = desk()
    gone, first = waiting_visitor()
    stays, second = waiting_visitor()
    events(stays, "conversation")
    assert [c["id"] for c in agent.events("queue")[-1]["queue"]] == [first, second]
    gone.disconnect("/visitor")

    outcome = run(app, later(app, app.config["ABANDON_AFTER_SECONDS"] + 1))

    assert outcome.held and [o.card["id"] for o in outcome.abandoned] == [first]
    assert state_of(app, first) == "abandoned"
    assert events_of(app, first, "abandoned") == [("waiting", "abandoned", "system",
                                                   "visitor_left")]
    told = received(agent.sio, "/agent")
    assert [c["id"] for c in [d for n, d in told if n == "queue"][-1]["queue"]] == [second]
    card = [d for n, d in told if n == "conversation"][-1]
    assert (card["id"], card["state"]) == (first, "abandoned")
    view = events(stays, "conversation")[-1]
    assert view["queue"]["position"] == 1
    with app.app_context():
        from kefu.services.queue import Queue

        assert view["queue"] == Queue().place(second)  # the estimate counts one place
    assert [c["queue"] for c in [d for n, d in told if n == "queue"][-1]["queue"]] == [
        view["queue"]]  # and the agents' card says the same


def test_a_visitor_gone_for_less_than_the_setting_keeps_their_place(app, waiting_visitor):
    sio, conversation_id = waiting_visitor()
    sio.disconnect("/visitor")
    run(app, later(app, app.config["ABANDON_AFTER_SECONDS"] - 5))
    assert state_of(app, conversation_id) == "waiting"


def test_a_connected_visitor_is_never_abandoned_however_long_they_wait(app, waiting_visitor):
    _, conversation_id = waiting_visitor()
    run(app, later(app, 100 * app.config["ABANDON_AFTER_SECONDS"]))
    assert state_of(app, conversation_id) == "waiting"


def test_a_visitor_on_a_server_that_died_counts_as_gone_from_its_last_beat(app,
                                                                           waiting_visitor):
    sio, conversation_id = waiting_visitor()
    sio.disconnect("/visitor")
    died = utcnow() + timedelta(seconds=600)  # their socket lived on, on another server
    with app.app_context():
        visitor_id = db.session.get(Conversation, conversation_id).visitor_id
        db.session.add(VisitorConnection(sid="ghost", visitor_id=visitor_id,
                                         process_id="dead:1", heartbeat_at=died))
        db.session.commit()
    after = app.config["ABANDON_AFTER_SECONDS"]
    run(app, died + timedelta(seconds=after - 5))
    assert state_of(app, conversation_id) == "waiting"
    run(app, died + timedelta(seconds=after + 5))
    assert state_of(app, conversation_id) == "abandoned"


def test_a_visitor_who_left_the_queue_starts_over_with_the_bot(app, visitor, waiting_visitor):
    sio, conversation_id = waiting_visitor()
    with app.app_context():
        from kefu.services.tokens import issue_visitor_token

        public_id = db.session.get(Conversation, conversation_id).visitor.public_id
        token = issue_visitor_token(public_id)
    sio.disconnect("/visitor")
    run(app, later(app, app.config["ABANDON_AFTER_SECONDS"] + 1))
    back = visitor(token=token)
    session = session_of(back)
    assert (session["conversation_id"], session["state"]) == (None, "bot")
    assert send(back, "hello")["ok"] is True
    assert events(back, "conversation")[-1]["id"] != conversation_id


def test_abandonment_is_off_when_the_setting_is_zero(app, waiting_visitor):
    put_setting(app, "abandon_after_seconds", 0)
    sio, conversation_id = waiting_visitor()
    sio.disconnect("/visitor")
    run(app, later(app, 10 ** 6))
    assert state_of(app, conversation_id) == "waiting"


def test_the_admin_setting_overrides_the_configured_time(app, waiting_visitor):
    put_setting(app, "abandon_after_seconds", 30)
    sio, conversation_id = waiting_visitor()
    sio.disconnect("/visitor")
    run(app, later(app, 31))
    assert state_of(app, conversation_id) == "abandoned"


# --- idle close -----------------------------------------------------------------------

def claimed_chat(desk, waiting_visitor, locale="en"):
    vis, conversation_id = waiting_visitor(locale=locale)
    agent = desk(name="小王")
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    events(vis, "message")
    events(vis, "conversation")
    agent.events("message")
    return vis, agent, conversation_id


def test_an_idle_agent_chat_closes_with_a_notice_to_both_sides_in_the_visitor_language(
        app, desk, waiting_visitor):
    vis, agent, conversation_id = claimed_chat(desk, waiting_visitor, locale="zh")

    outcome = run(app, later(app, app.config["IDLE_CLOSE_AFTER_SECONDS"] + 1))

    assert [o.conversation_id for o in outcome.closed] == [conversation_id]
    assert state_of(app, conversation_id) == "closed"
    assert events_of(app, conversation_id, "closed") == [("agent", "closed", "system", "idle")]
    minutes = app.config["IDLE_CLOSE_AFTER_SECONDS"] // 60
    heard = received(vis)
    notice = [d for n, d in heard if n == "message" and d["sender"] == "system"]
    assert [m["notice"] for m in notice] == [{"kind": "idle_closed",
                                             "params": {"minutes": minutes}}]
    assert notice[0]["text"].startswith(f"{minutes} 分钟内双方都没有新消息")
    assert [d for n, d in heard if n == "conversation"][-1]["can_rate"] is True
    told = received(agent.sio, "/agent")
    assert [d["notice"]["kind"] for n, d in told if n == "message"] == ["idle_closed"]
    assert [d for n, d in told if n == "conversation"][-1]["state"] == "closed"
    me = [d for n, d in told if n == "agents"][-1]["agents"]
    assert next(a for a in me if a["id"] == agent.id)["open_chats"] == 0


@pytest.mark.parametrize("side", ["visitor", "agent"])
def test_the_idle_time_counts_from_the_latest_message_of_either_side(app, desk,
                                                                    waiting_visitor, side):
    vis, agent, conversation_id = claimed_chat(desk, waiting_visitor)
    an_hour_ago = utcnow() - timedelta(hours=1)
    with app.app_context():  # the claim was an hour ago ...
        db.session.execute(update(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id).values(created_at=an_hour_ago))
        db.session.execute(update(Message).where(
            Message.conversation_id == conversation_id).values(created_at=an_hour_ago))
        db.session.commit()
    if side == "visitor":  # ... and one side wrote just now
        assert send(vis, "are you still there?")["ok"] is True
    else:
        assert agent.call("message", {"conversation_id": conversation_id,
                                      "client_msg_id": "a1", "text": "one moment"})["ok"]
    idle = app.config["IDLE_CLOSE_AFTER_SECONDS"]
    assert idle < 3600
    run(app, later(app, idle - 5))
    assert state_of(app, conversation_id) == "agent"
    run(app, later(app, idle + 5))
    assert state_of(app, conversation_id) == "closed"


def test_private_notes_do_not_keep_a_chat_open(app, desk, waiting_visitor):
    _, agent, conversation_id = claimed_chat(desk, waiting_visitor)
    when = later(app, app.config["IDLE_CLOSE_AFTER_SECONDS"] + 1)
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                               "text": "checking the order"})["ok"] is True
    run(app, when)
    assert state_of(app, conversation_id) == "closed"


def test_idle_close_is_off_when_the_setting_is_zero(app, desk, waiting_visitor):
    put_setting(app, "idle_close_after_seconds", 0)
    _, _, conversation_id = claimed_chat(desk, waiting_visitor)
    run(app, later(app, 10 ** 6))
    assert state_of(app, conversation_id) == "agent"


def test_a_second_run_at_the_same_time_changes_nothing(app, desk, waiting_visitor):
    _, _, conversation_id = claimed_chat(desk, waiting_visitor)
    when = later(app, app.config["IDLE_CLOSE_AFTER_SECONDS"] + 1)
    assert len(run(app, when).closed) == 1
    assert run(app, when).closed == []
    assert len(events_of(app, conversation_id, "closed")) == 1
