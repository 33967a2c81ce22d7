"""Two real kefu servers on one database and one Redis queue: claims stay atomic and
events cross from one process to the other."""
import re
import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio

from kefu.config import PROJECT_ROOT
from tests.live import LiveServer, redis_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_url():
    """A throwaway redis-server that saves nothing."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, trained_model_dir, redis_url):
    """Two ``kefu run`` processes sharing a SQLite file and the Redis message queue.

    One serves with eventlet and the other with gevent, so both modes are exercised.
    """
    shared = tmp_path_factory.mktemp("shared-db") / "kefu.sqlite"
    env = {"KEFU_DATABASE_URL": f"sqlite:///{shared}", "KEFU_MESSAGE_QUEUE": redis_url,
           "KEFU_RATELIMIT_STORAGE_URI": redis_url}
    servers = []
    try:
        for name, mode in (("a", "eventlet"), ("b", "gevent")):  # the first one migrates
            servers.append(LiveServer(tmp_path_factory.mktemp(f"server-{name}"),
                                      trained_model_dir, async_mode=mode, env=env).start())
        yield servers
    finally:
        for server in servers:
            server.stop()


def logged_in(server, email, password):
    """A requests session logged in through the real form."""
    http = requests.Session()
    page = http.get(server.url + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(server.url + "/auth/login", allow_redirects=False, timeout=10,
                         data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    return http


def socket_with_cookies(server, http):
    """Connect to /agent on ``server`` with the cookies of ``http`` (any server's)."""
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    client = socketio.SimpleClient()
    client.connect(server.url, namespace="/agent", headers={"Cookie": cookie},
                   transports=["websocket"])
    return client


def agent_socket(server, email, password):
    """Log in over HTTP and connect to /agent with the session cookie."""
    return socket_with_cookies(server, logged_in(server, email, password))


def wait_disconnected(client, timeout=10):
    """True once the server has cut ``client`` (events before that are skipped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.receive(timeout=0.5)
        except socketio.exceptions.DisconnectedError:
            return True
        except socketio.exceptions.TimeoutError:
            pass
        if not client.connected:
            return True
    return False


def receive_until(client, predicate, timeout=10):
    """Events until one matches ``predicate(name, data)``; returns that data."""
    deadline = time.monotonic() + timeout
    while True:
        name, *args = client.receive(timeout=max(0.1, deadline - time.monotonic()))
        if predicate(name, args[0] if args else None):
            return args[0] if args else None


def test_two_agents_on_two_servers_claim_at_once_and_exactly_one_wins(two_servers):
    a, b = two_servers
    password = a.create_user("wang@example.com", "小王")
    a.create_user("li@example.com", "小李", password=password)
    vis = socketio.SimpleClient()
    vis.connect(a.url, namespace="/visitor", auth={"locale": "en"}, transports=["websocket"])
    agents = []
    try:
        receive_until(vis, lambda n, d: n == "session")
        ack = vis.call("request_human", {}, timeout=10)
        assert ack["ok"] is True
        conversation_id = ack["conversation"]["id"]
        agents = [agent_socket(a, "wang@example.com", password),
                  agent_socket(b, "li@example.com", password)]
        hellos = [receive_until(agent, lambda n, d: n == "hello") for agent in agents]
        start = threading.Barrier(2)
        acks = [None, None]

        def claim(i):
            start.wait()
            acks[i] = agents[i].call("claim", {"conversation_id": conversation_id}, timeout=20)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(x["ok"] for x in acks) == [False, True], acks
        loser = next(x for x in acks if not x["ok"])
        assert loser["error"]["code"] == "already_claimed"
        winner = next(x for x in acks if x["ok"])["conversation"]["assigned_agent"]["name"]
        # the visitor, connected to server a, hears of the winner wherever it claimed
        joined = receive_until(vis, lambda n, d: n == "message" and "joined" in d["text"])
        assert winner in joined["text"]
        # the chat ends up with the agent on server b, whose reply reaches server a
        if winner == "小王":
            moved = agents[0].call("transfer", {"conversation_id": conversation_id,
                                                "to_agent_id": hellos[1]["me"]["id"]},
                                   timeout=10)
            assert moved["ok"] is True, moved
        sent = agents[1].call("message", {"conversation_id": conversation_id,
                                          "client_msg_id": "x-1", "text": "from b"}, timeout=10)
        assert sent["ok"] is True, sent
        got = receive_until(vis, lambda n, d: n == "message" and d["sender"] == "agent")
        assert got["text"] == "from b" and got["sender_name"] == "小李"
        # and the visitor's answer on server a reaches the agent on server b
        assert vis.call("message", {"client_msg_id": "v-1", "text": "thanks"},
                        timeout=10)["ok"] is True
        back = receive_until(agents[1], lambda n, d: n == "message" and d["sender"] == "visitor")
        assert back["text"] == "thanks"
    finally:
        vis.disconnect()
        for agent in agents:
            agent.disconnect()


def test_an_anonymous_agent_socket_is_refused_with_a_code(two_servers):
    client = socketio.Client()
    refusals = []
    client.on("connect_error", refusals.append, namespace="/agent")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(two_servers[0].url, namespaces=["/agent"], transports=["websocket"],
                       wait_timeout=10)
    client.disconnect()
    assert refusals[0]["data"]["code"] == "unauthorized"


def test_logging_out_on_one_server_cuts_the_same_login_on_the_other(two_servers):
    a, b = two_servers
    password = a.create_user("zhao@example.com", "小赵")
    http = logged_in(a, "zhao@example.com", password)
    on_b = socket_with_cookies(b, http)  # the same login, served by the other process
    try:
        assert receive_until(on_b, lambda n, d: n == "hello")["me"]["name"] == "小赵"
        page = http.get(a.url + "/agent/", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        http.post(a.url + "/auth/logout", data={"csrf_token": token}, timeout=10)
        assert wait_disconnected(on_b)
    finally:
        on_b.disconnect()


def test_deactivating_from_the_cli_cuts_sockets_in_every_server(two_servers):
    a, b = two_servers
    password = a.create_user("qian@example.com", "小钱")
    sockets = [agent_socket(server, "qian@example.com", password) for server in (a, b)]
    try:
        for client in sockets:
            receive_until(client, lambda n, d: n == "hello")
        subprocess.run([sys.executable, "-m", "kefu", "deactivate-user", "qian@example.com"],
                       cwd=PROJECT_ROOT, env=a.env, check=True, capture_output=True, timeout=60)
        assert all(wait_disconnected(client) for client in sockets)
    finally:
        for client in sockets:
            client.disconnect()
