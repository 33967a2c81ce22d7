"""Two real kefu servers on one database, both running the lifecycle loop: each job's
effect happens once, by the process that holds the lease, and the other takes over when
that one dies."""
import json
import sqlite3
import time

import pytest
import socketio

from tests.kefu.test_cross_process_claim import (  # noqa: F401  (redis_url: a fixture)
    agent_socket, receive_until, redis_url,
)
from tests.live import LiveServer

pytestmark = pytest.mark.slow

ABANDON_AFTER = 2
IDLE_CLOSE_AFTER = 3
LEASE_SECONDS = 2


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, trained_model_dir, redis_url):  # noqa: F811
    """``(servers, database path)``: eventlet and gevent, short lifecycle settings."""
    shared = tmp_path_factory.mktemp("lifecycle-db") / "kefu.sqlite"
    env = {"KEFU_DATABASE_URL": f"sqlite:///{shared}", "KEFU_MESSAGE_QUEUE": redis_url,
           "KEFU_RATELIMIT_STORAGE_URI": redis_url,
           "KEFU_ABANDON_AFTER_SECONDS": str(ABANDON_AFTER),
           "KEFU_IDLE_CLOSE_AFTER_SECONDS": str(IDLE_CLOSE_AFTER),
           "KEFU_LIFECYCLE_CHECK_SECONDS": "0.2",
           "KEFU_LIFECYCLE_LEASE_SECONDS": str(LEASE_SECONDS)}
    servers = []
    try:
        for name, mode in (("a", "eventlet"), ("b", "gevent")):  # the first one migrates
            servers.append(LiveServer(tmp_path_factory.mktemp(f"lifecycle-{name}"),
                                      trained_model_dir, async_mode=mode, env=env).start())
        yield servers, shared
    finally:
        for server in servers:
            server.stop()


def query(path, sql, *params):
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()


def job_events(path, conversation_id, kind):
    """``(reason, process that ran it)`` of each ``kind`` event of the conversation."""
    rows = query(path, "SELECT reason, data FROM conversation_events "
                       "WHERE conversation_id = ? AND kind = ?", conversation_id, kind)
    return [(reason, json.loads(data)["by"]) for reason, data in rows]


def lease_holder(path):
    return query(path, "SELECT holder FROM leases WHERE name = 'lifecycle'")[0][0]


def pid_of(process_id):
    return int(process_id.split(":")[1])


def waiting_visitor(server):
    vis = socketio.SimpleClient()
    vis.connect(server.url, namespace="/visitor", auth={"locale": "zh"},
                transports=["websocket"])
    receive_until(vis, lambda n, d: n == "session")
    ack = vis.call("request_human", {}, timeout=10)
    assert ack["ok"] is True, ack
    return vis, ack["conversation"]["id"]


def test_a_visitor_who_left_is_abandoned_once_by_the_lease_holder(deployment):
    (a, b), path = deployment
    password = a.create_user("zhou@example.com", "小周")
    agent = agent_socket(b, "zhou@example.com", password)
    try:
        receive_until(agent, lambda n, d: n == "hello")
        vis, conversation_id = waiting_visitor(a)
        vis.disconnect()
        card = receive_until(agent, lambda n, d: n == "conversation"
                             and d["id"] == conversation_id and d["state"] == "abandoned",
                             timeout=ABANDON_AFTER + 10)
        assert card["state"] == "abandoned"
        time.sleep(1)  # several more ticks of both loops
        events = job_events(path, conversation_id, "abandoned")
        assert events == [("visitor_left", lease_holder(path))]
        assert pid_of(events[0][1]) in (a.proc.pid, b.proc.pid)
    finally:
        agent.disconnect()


def test_an_idle_chat_is_closed_once_with_one_notice(deployment):
    (a, b), path = deployment
    password = a.create_user("wu@example.com", "小吴")
    agent = agent_socket(b, "wu@example.com", password)
    vis = None
    try:
        receive_until(agent, lambda n, d: n == "hello")
        vis, conversation_id = waiting_visitor(a)
        assert agent.call("claim", {"conversation_id": conversation_id}, timeout=10)["ok"]
        notices = []
        deadline = time.monotonic() + IDLE_CLOSE_AFTER + 3  # the close, then more ticks
        while time.monotonic() < deadline:
            try:
                name, *args = vis.receive(timeout=0.5)
            except socketio.exceptions.TimeoutError:
                continue
            if name == "message" and (args[0].get("notice") or {}).get("kind") == "idle_closed":
                notices.append(args[0])
        assert len(notices) == 1, notices
        assert notices[0]["text"].startswith(f"{IDLE_CLOSE_AFTER // 60 or 1} 分钟内")
        assert job_events(path, conversation_id, "closed") == [("idle", lease_holder(path))]
    finally:
        agent.disconnect()
        if vis is not None:
            vis.disconnect()


def test_when_the_lease_holder_dies_the_other_process_takes_over(deployment):
    (a, b), path = deployment
    holder = lease_holder(path)
    dying, survivor = (a, b) if pid_of(holder) == a.proc.pid else (b, a)
    dying.kill9()  # a crash: no shutdown code runs, the lease is not given back
    vis, conversation_id = waiting_visitor(survivor)
    vis.disconnect()
    deadline = time.monotonic() + LEASE_SECONDS + ABANDON_AFTER + 10
    while time.monotonic() < deadline and not job_events(path, conversation_id, "abandoned"):
        time.sleep(0.2)
    [(reason, by)] = job_events(path, conversation_id, "abandoned")
    assert reason == "visitor_left" and pid_of(by) == survivor.proc.pid
