"""Assignment: atomic claims between rivals, and auto-assign to the least busy agent."""
import threading

from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent
from tests.helpers import make_user, put_setting


def test_rivals_claiming_at_the_same_instant_exactly_one_wins(app, waiting_visitor):
    from kefu.services import assignment
    from kefu.services.errors import ServiceError

    _, conversation_id = waiting_visitor()
    agent_ids = [make_user(app)[0] for _ in range(8)]
    start = threading.Barrier(len(agent_ids))
    outcomes = {}

    def claim(agent_id):
        with app.app_context():
            start.wait()
            try:
                assignment.claim(conversation_id, agent_id)
                outcomes[agent_id] = "won"
            except ServiceError as error:
                outcomes[agent_id] = error.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["already_claimed"] * 7 + ["won"]
    winner = next(a for a, o in outcomes.items() if o == "won")
    with app.app_context():
        stored = db.session.get(Conversation, conversation_id)
        assert (stored.state, stored.assigned_agent_id) == ("agent", winner)
        claims = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.kind == "claimed")).all()
        assert len(claims) == 1


def test_two_agents_claim_over_sockets_and_one_wins(desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    a, b = desk(), desk()
    acks = [a.call("claim", {"conversation_id": conversation_id}),
            b.call("claim", {"conversation_id": conversation_id})]
    assert [x["ok"] for x in acks] == [True, False]
    assert acks[1]["error"]["code"] == "already_claimed"


def test_auto_assign_gives_the_chat_to_the_least_busy_online_agent(app, desk,
                                                                  waiting_visitor):
    busy, idle = desk(name="Busy"), desk(name="Idle")
    _, first = waiting_visitor()
    busy.call("claim", {"conversation_id": first})
    put_setting(app, "auto_assign", True)
    _, second = waiting_visitor()
    with app.app_context():
        assert db.session.get(Conversation, second).assigned_agent_id == idle.id
        event = db.session.scalars(select(ConversationEvent).where(
            ConversationEvent.conversation_id == second,
            ConversationEvent.kind == "claimed")).one()
        assert event.reason == "auto_assign" and event.actor_kind == "system"


def test_auto_assign_never_goes_above_the_per_agent_limit(app, desk, waiting_visitor):
    put_setting(app, "auto_assign", True)
    put_setting(app, "max_chats_per_agent", 2)
    agent = desk()
    ids = [waiting_visitor()[1] for _ in range(3)]
    with app.app_context():
        states = [db.session.get(Conversation, i).state for i in ids]
    assert states == ["agent", "agent", "waiting"]  # oldest first, the third waits
    agent.call("close", {"conversation_id": ids[0]})  # capacity frees: the third goes
    with app.app_context():
        assert db.session.get(Conversation, ids[2]).assigned_agent_id == agent.id


def test_auto_assign_skips_away_agents_and_waits_for_someone_online(app, desk,
                                                                   waiting_visitor):
    put_setting(app, "auto_assign", True)
    agent = desk()
    agent.call("presence", {"status": "away"})
    _, conversation_id = waiting_visitor()
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).state == "waiting"
    agent.call("presence", {"status": "online"})
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).assigned_agent_id == agent.id


def test_without_auto_assign_chats_wait_for_a_claim(app, desk, waiting_visitor):
    desk()
    _, conversation_id = waiting_visitor()
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).state == "waiting"
