"""Presence comes from /agent sockets, is stored for every process, and survives tabs."""
from datetime import timedelta

from kefu.extensions import db
from kefu.models import AgentConnection, utcnow


def status(app, user_id):
    from kefu.services import presence

    with app.app_context():
        return presence.status_of(user_id)


def test_an_agent_is_online_while_connected_and_offline_after(app, desk):
    agent = desk()
    assert status(app, agent.id) == "online"
    agent.sio.disconnect("/agent")
    assert status(app, agent.id) == "offline"


def test_with_several_tabs_one_closing_keeps_the_agent_online(app, desk):
    agent = desk()
    second_tab = agent.connect()
    agent.sio.disconnect("/agent")
    assert status(app, agent.id) == "online"
    second_tab.disconnect("/agent")
    assert status(app, agent.id) == "offline"


def test_away_only_when_every_tab_is_away(app, desk):
    agent = desk()
    second_tab = agent.connect()
    agent.call("presence", {"status": "away"})
    assert status(app, agent.id) == "online"
    agent.call("presence", {"status": "away"}, sio=second_tab)
    assert status(app, agent.id) == "away"


def test_other_agents_see_presence_changes(app, desk):
    watcher = desk()
    other = desk(name="小李")
    watcher.events("agents")
    other.call("presence", {"status": "away"})
    latest = watcher.events("agents")[-1]["agents"]
    assert {"id": other.id, "name": "小李", "role": "agent", "status": "away",
            "open_chats": 0} in latest


def test_presence_rows_of_a_dead_process_expire(app, desk):
    from kefu.services import presence

    agent = desk()
    with app.app_context():
        db.session.add(AgentConnection(sid="ghost", user_id=agent.id, process_id="dead:1",
                                       status="online",
                                       heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    agent.sio.disconnect("/agent")
    assert status(app, agent.id) == "offline"  # the stale row counts for nothing
    with app.app_context():
        presence.heartbeat()
        assert db.session.get(AgentConnection, "ghost") is None


def test_a_heartbeat_keeps_this_process_rows_fresh(app, desk):
    from kefu.services import presence

    agent = desk()
    with app.app_context():
        row = db.session.scalars(db.select(AgentConnection).where(
            AgentConnection.user_id == agent.id)).one()
        row.heartbeat_at = utcnow() - timedelta(seconds=app.config["PRESENCE_TTL_SECONDS"] - 1)
        db.session.commit()
        presence.heartbeat()
        row = db.session.get(AgentConnection, row.sid)
        assert (utcnow() - row.heartbeat_at).total_seconds() < 5
