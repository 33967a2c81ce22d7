"""A visitor who needs a person again soon after a release goes back to the same agent."""
from datetime import timedelta

from sqlalchemy import select, update

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, utcnow
from tests.helpers import events, put_setting, send


def released_chat(desk, waiting_visitor, name="小王"):
    """A chat an agent claimed and handed back to the bot: ``(vis, agent, id)``."""
    vis, conversation_id = waiting_visitor()
    agent = desk(name=name)
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    assert agent.call("release", {"conversation_id": conversation_id})["ok"] is True
    events(vis, "message")
    return vis, agent, conversation_id


def ask_again(vis):
    ack = vis.emit("request_human", {}, namespace="/visitor", callback=True)
    assert ack["ok"] is True, ack
    return ack


def holder(app, conversation_id):
    with app.app_context():
        c = db.session.get(Conversation, conversation_id)
        return c.state, c.assigned_agent_id


def test_asking_again_soon_after_a_release_goes_back_to_the_same_agent(app, desk,
                                                                      waiting_visitor):
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    desk(name="Li")  # someone else is online and idle: still the same agent
    ask_again(vis)
    assert holder(app, conversation_id) == ("agent", agent.id)
    joined = [m for m in events(vis, "message") if m["sender"] == "system"][-1]
    assert joined["notice"] == {"kind": "agent_joined", "params": {"name": "小王"}}
    with app.app_context():
        claims = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == conversation_id,
            ConversationEvent.kind == "claimed").order_by(ConversationEvent.id)).all()
        assert [(e.reason, e.actor_kind, e.actor_user_id) for e in claims] == [
            ("claim", "agent", agent.id), ("returning_agent", "system", agent.id)]


def test_a_bot_handoff_soon_after_a_release_also_returns_to_the_agent(app, desk,
                                                                      waiting_visitor):
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    assert send(vis, "转人工")["ok"] is True
    assert holder(app, conversation_id) == ("agent", agent.id)


def test_after_the_window_the_chat_waits_in_the_queue(app, desk, waiting_visitor):
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    window = app.config["STICKY_AGENT_SECONDS"]
    with app.app_context():
        db.session.execute(update(ConversationEvent).where(
            ConversationEvent.kind == "released")
            .values(created_at=utcnow() - timedelta(seconds=window + 5)))
        db.session.commit()
    ask_again(vis)
    assert holder(app, conversation_id) == ("waiting", None)


def test_an_agent_who_is_away_does_not_get_it_back(app, desk, waiting_visitor):
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    agent.call("presence", {"status": "away"})
    ask_again(vis)
    assert holder(app, conversation_id) == ("waiting", None)


def test_an_agent_at_their_limit_does_not_get_it_back(app, desk, waiting_visitor):
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    put_setting(app, "max_chats_per_agent", 1)
    _, other = waiting_visitor()
    assert agent.call("claim", {"conversation_id": other})["ok"] is True
    ask_again(vis)
    assert holder(app, conversation_id) == ("waiting", None)


def test_the_window_is_a_setting_and_zero_turns_it_off(app, desk, waiting_visitor):
    put_setting(app, "sticky_agent_seconds", 0)
    vis, agent, conversation_id = released_chat(desk, waiting_visitor)
    ask_again(vis)
    assert holder(app, conversation_id) == ("waiting", None)
