"""The production stack on loopback: a real nginx (Debian's package, docs/deploy.md's config)
in front of two ``kefu run`` processes on PostgreSQL + Redis.

nginx sticks a client to a process by its address, and every client of a test is on
loopback, so each client here connects from its own address in 127.0.0.0/8 (the whole
range is loopback on Linux): that is how clients on two processes are made, and how the
address kefu sees is told apart from nginx's own (127.0.0.1).
"""
import re
import socket
import time

import psycopg
import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.live import LiveServer, redis_server
from tests.nginx import MISSING, NginxServer, nginx_binary

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(nginx_binary() is None, reason=MISSING)]

QUESTION = "how long does shipping take"
#: Visitor connects per address per minute; the rate-limit test makes one more.
CONNECTS_PER_MINUTE = 4
#: Source addresses the fixture probes to learn which process nginx sends each one to.
#: 40, so that each process gets the four a test needs even from an uneven hash.
PROBED = [f"127.0.0.{i}" for i in range(2, 42)]


class SourceAddressAdapter(HTTPAdapter):
    """requests from a chosen local address (urllib3's ``source_address``)."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def http_from(address) -> requests.Session:
    """A requests session whose connections come from ``address``."""
    session = requests.Session()
    session.mount("http://", SourceAddressAdapter(address))
    return session


def websocket_from(address, url):
    """A TCP connection from ``address`` to ``url``'s host, for websocket-client to use."""
    host, port = url.rsplit("//", 1)[1].split(":")
    sock = socket.socket()
    sock.bind((address, 0))
    sock.connect((host, int(port)))
    return sock


def visitor(url, address, transport, headers=None):
    """A /visitor client from ``address`` over ``transport`` only (no upgrade)."""
    options = {"http_session": http_from(address)}
    if transport == "websocket":
        options["websocket_extra_options"] = {"socket": websocket_from(address, url)}
    client = socketio.SimpleClient(**options)
    client.connect(url, namespace="/visitor", auth={"locale": "en"}, transports=[transport],
                   headers=headers or {})
    return client


def receive_until(client, predicate, timeout=15):
    """Events until one matches ``predicate(name, data)``; returns that data."""
    deadline = time.monotonic() + timeout
    while True:
        name, *args = client.receive(timeout=max(0.1, deadline - time.monotonic()))
        data = args[0] if args else None
        if predicate(name, data):
            return data


def ask(client, msg_id):
    """Ask the FAQ question; returns the bot's answer to it."""
    ack = client.call("message", {"client_msg_id": msg_id, "text": QUESTION}, timeout=15)
    assert ack["ok"] is True, ack
    return receive_until(client, lambda n, d: n == "message" and d.get("reply_to") == msg_id)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, trained_model_dir, postgres):
    """``(nginx, [kefu a, kefu b], database url, {address: index of its process})``."""
    database = postgres.new_database("nginx")
    with redis_server() as redis_url:
        env = {"KEFU_DATABASE_URL": database, "KEFU_MESSAGE_QUEUE": redis_url,
               "KEFU_RATELIMIT_STORAGE_URI": redis_url, "KEFU_TRUSTED_PROXIES": "1",
               "KEFU_VISITOR_CONNECT_RATE_LIMIT": f"{CONNECTS_PER_MINUTE} per minute"}
        servers, proxy = [], None
        try:
            for name in ("a", "b"):  # one after the other: the first one migrates
                servers.append(LiveServer(tmp_path_factory.mktemp(f"nginx-kefu-{name}"),
                                          trained_model_dir, env=env).start())
            proxy = NginxServer([f"127.0.0.1:{s.port}" for s in servers]).start()
            yield proxy, servers, database, placement(proxy, servers, database)
        finally:
            if proxy:
                proxy.stop()
            for server in servers:
                server.stop()


VISITOR_SOCKETS = ("SELECT c.process_id FROM visitor_connections c "
                   "JOIN visitors v ON v.id = c.visitor_id WHERE v.public_id = %s")
AGENT_SOCKETS = "SELECT process_id FROM agent_connections WHERE user_id = %s"


def process_of(database, sockets, value, servers):
    """Index in ``servers`` of the process holding the sockets ``sockets`` finds for ``value``
    (a visitor's public id or an agent's id): each row names its process by pid."""
    url = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        rows = conn.execute(sockets, (value,)).fetchall()
    pids = {int(process_id.split(":")[1]) for (process_id,) in rows}
    assert len(pids) == 1, rows
    return [s.proc.pid for s in servers].index(pids.pop())


def placement(proxy, servers, database):
    """Which process nginx sends each probed address to (one websocket connect each)."""
    where = {}
    for address in PROBED:
        client = visitor(proxy.url, address, "websocket")
        try:
            session = receive_until(client, lambda n, d: n == "session")
            where[address] = process_of(database, VISITOR_SOCKETS, session["visitor_id"], servers)
        finally:
            client.disconnect()
    assert set(where.values()) == {0, 1}, f"the hash put every address on one process: {where}"
    return where


def addresses_on(stack, index, skip=0):
    """Probed addresses nginx sends to process ``index``, after the first ``skip``."""
    return [a for a, i in stack[3].items() if i == index][skip:]


def test_nginx_runs_the_documented_config_and_logs_no_error(stack):
    proxy = stack[0]
    assert "hash $remote_addr consistent;" in proxy.conf.read_text()
    assert requests.get(proxy.url + "/healthz", timeout=10).json() == {"ok": True}
    assert "[error]" not in proxy.error_log() and "[emerg]" not in proxy.error_log()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_visitor_through_nginx_gets_the_bots_answer(stack, transport):
    for index in (0, 1):  # on either process
        address = addresses_on(stack, index)[0 if transport == "websocket" else 1]
        client = visitor(stack[0].url, address, transport)
        try:
            assert client.client.transport() == transport
            answer = ask(client, f"{transport}-{index}")
            assert answer["sender"] == "bot" and answer["intent"] == "shipping_time"
        finally:
            client.disconnect()


def test_polling_requests_of_one_client_all_reach_the_process_that_holds_its_session(stack):
    """Every long-poll and POST of a polling client is a new request: another process would
    answer ``400`` for a session it does not know, and the client would drop."""
    proxy, servers, database, _ = stack
    for index in (0, 1):
        address = addresses_on(stack, index)[2]
        client = visitor(proxy.url, address, "polling")
        try:
            session = receive_until(client, lambda n, d: n == "session")
            for i in range(4):
                assert ask(client, f"sticky-{index}-{i}")["intent"] == "shipping_time"
            assert client.connected and client.client.transport() == "polling"
            assert process_of(database, VISITOR_SOCKETS,
                              session["visitor_id"], servers) == index
        finally:
            client.disconnect()


def logged_in(proxy, address, email, password):
    """A requests session from ``address`` logged in through nginx with the real form."""
    http = http_from(address)
    page = http.get(proxy.url + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(proxy.url + "/auth/login", allow_redirects=False, timeout=10,
                         headers={"X-Forwarded-For": "203.0.113.9"},  # a client's lie
                         data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    return http


def agent_from(proxy, address, http):
    """/agent over websocket from ``address`` with the login cookies of ``http``."""
    client = socketio.SimpleClient(
        http_session=http, websocket_extra_options={"socket": websocket_from(address, proxy.url)})
    client.connect(proxy.url, namespace="/agent", transports=["websocket"])
    return client


def test_an_agent_on_the_other_process_sees_the_handoff_live(stack):
    proxy, servers, database, _ = stack
    password = servers[0].create_user("nginx-wang@example.com", "小王")
    visitor_address, agent_address = addresses_on(stack, 0, 3)[0], addresses_on(stack, 1, 3)[0]
    http = logged_in(proxy, agent_address, "nginx-wang@example.com", password)
    agent = agent_from(proxy, agent_address, http)
    client = visitor(proxy.url, visitor_address, "websocket")
    try:
        me = receive_until(agent, lambda n, d: n == "hello")["me"]
        session = receive_until(client, lambda n, d: n == "session")
        assert process_of(database, VISITOR_SOCKETS,
                          session["visitor_id"], servers) == 0
        assert process_of(database, AGENT_SOCKETS, me["id"], servers) == 1
        ack = client.call("request_human", {}, timeout=15)
        assert ack["ok"] is True, ack
        conversation_id = ack["conversation"]["id"]
        receive_until(agent, lambda n, d: n == "queue"
                      and conversation_id in [c["id"] for c in d["queue"]])
        claimed = agent.call("claim", {"conversation_id": conversation_id}, timeout=15)
        assert claimed["ok"] is True, claimed
        receive_until(client, lambda n, d: n == "message" and "小王" in d["text"])
        sent = agent.call("message", {"conversation_id": conversation_id,
                                      "client_msg_id": "ng-1", "text": "hello from b"},
                          timeout=15)
        assert sent["ok"] is True, sent
        got = receive_until(client, lambda n, d: n == "message" and d["sender"] == "agent")
        assert got["text"] == "hello from b"
    finally:
        client.disconnect()
        agent.disconnect()


def test_kefu_sees_the_clients_address_not_nginxs_nor_a_forged_one(stack):
    """The login session stores the address (nginx appended it; the client's own
    X-Forwarded-For is not believed), and the visitor connect limit counts per address."""
    proxy, servers, database, _ = stack
    password = servers[0].create_user("nginx-li@example.com", "小李")
    address = PROBED[-1]
    logged_in(proxy, address, "nginx-li@example.com", password)
    url = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        stored = conn.execute(
            "SELECT s.address FROM login_sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.email = %s", ("nginx-li@example.com",)).fetchall()
    assert stored == [(address,)]

    limited, other = "127.0.0.50", "127.0.0.51"  # never probed: a fresh count each
    for _ in range(CONNECTS_PER_MINUTE):
        visitor(proxy.url, limited, "websocket",
                headers={"X-Forwarded-For": "198.51.100.7"}).disconnect()
    refusals = []
    client = socketio.Client(websocket_extra_options={"socket": websocket_from(limited,
                                                                               proxy.url)})
    client.on("connect_error", refusals.append, namespace="/visitor")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(proxy.url, namespaces=["/visitor"], auth={"locale": "en"},
                       transports=["websocket"], wait_timeout=10)
    client.disconnect()
    assert refusals[0]["data"]["code"] == "rate_limited"
    visitor(proxy.url, other, "websocket").disconnect()  # nginx's own address is not limited
