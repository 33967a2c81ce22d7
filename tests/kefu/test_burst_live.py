"""A new visitor's burst of first messages, resends after a reconnect, and resends of a
message whose reply was lost in a crash: against real ``kefu run`` processes, with
eventlet and gevent, on SQLite and PostgreSQL.

The widget flushes its outbox on reconnect without waiting for each ack, so the
server sees many first messages of one visitor at once.  The database must keep one
open conversation, store every message once and let the bot answer each once.
"""
import threading
import uuid

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.live import LiveServer
from tests.pg import database_url

pytestmark = pytest.mark.slow

BURST = 100
RESENT = (0, 24, 49, 74, 99)
QUESTION = "how long does shipping take"


@pytest.fixture(scope="module", params=[("sqlite", "eventlet"), ("sqlite", "gevent"),
                                        ("postgresql", "eventlet"), ("postgresql", "gevent")],
                ids=lambda p: "-".join(p))
def server(request, tmp_path_factory, trained_model_dir):
    """One live server per database and async mode; ``server.db`` reads its database."""
    database, mode = request.param
    instance = tmp_path_factory.mktemp(f"burst-{database}-{mode}")
    url = database_url(request, database, instance, "burst")
    live = LiveServer(instance, trained_model_dir, async_mode=mode, env={
        "KEFU_DATABASE_URL": url, "KEFU_VISITOR_MESSAGE_RATE_LIMIT": "10000 per 10 seconds",
        "KEFU_VISITOR_CONNECT_RATE_LIMIT": "10000 per minute"}).start()
    live.db = create_engine(url)
    yield live
    live.db.dispose()
    live.stop()


class Visitor:
    """A real Socket.IO client on /visitor that records every event and ack."""

    def __init__(self, server, token=None):
        self.client = socketio.Client()
        self.session = threading.Event()
        self.received = []
        self.acks = {}
        self.all_acked = threading.Event()
        self.expected = 0
        self.lock = threading.Lock()
        self.client.on("session", self._on_session, namespace="/visitor")
        self.client.on("message", lambda m: self.received.append(m), namespace="/visitor")
        auth = {"locale": "en", **({"token": token} if token else {})}
        self.client.connect(server.url, namespaces=["/visitor"], auth=auth,
                            transports=["websocket"], wait_timeout=10)
        assert self.session.wait(10), "no session event"

    def _on_session(self, data):
        self.token = data["token"]
        self.history = data["messages"]
        self.session.set()

    def send_all(self, client_msg_ids, timeout=60):
        """Emit every message at once, then wait for all the acks."""
        self.expected = len(self.acks) + len(client_msg_ids)
        for cid in client_msg_ids:
            self.client.emit("message", {"client_msg_id": cid, "text": QUESTION},
                             namespace="/visitor", callback=self._acker(cid))
        assert self.all_acked.wait(timeout), f"{len(self.acks)} of {self.expected} acked"
        self.all_acked.clear()

    def _acker(self, cid):
        def ack(data):
            with self.lock:
                self.acks.setdefault(cid, []).append(data)
                if sum(map(len, self.acks.values())) >= self.expected:
                    self.all_acked.set()
        return ack

    def close(self):
        self.client.disconnect()


def visitor_rows(server, token_visitor_public_id):
    with server.db.connect() as conn:
        visitor_id = conn.execute(text("SELECT id FROM visitors WHERE public_id = :p"),
                                  {"p": token_visitor_public_id}).scalar_one()
        conversations = conn.execute(text(
            "SELECT id, state FROM conversations WHERE visitor_id = :v"),
            {"v": visitor_id}).all()
        messages = conn.execute(text(
            "SELECT m.id, m.sender, m.client_msg_id, m.reply_to FROM messages m"
            " JOIN conversations c ON c.id = m.conversation_id WHERE c.visitor_id = :v"
            " ORDER BY m.id"), {"v": visitor_id}).all()
    return visitor_id, conversations, messages


def test_a_burst_of_first_messages_and_resends_make_one_conversation_each_stored_once(server):
    ids = [f"burst-{i}-{uuid.uuid4().hex[:6]}" for i in range(BURST)]
    first = Visitor(server)
    try:
        first.send_all(ids)
    finally:
        first.close()
    acks = {cid: a[0] for cid, a in first.acks.items()}
    assert all(a["ok"] and a["duplicate"] is False for a in acks.values()), \
        [a for a in acks.values() if not a["ok"] or a["duplicate"]][:3]
    again = Visitor(server, token=first.token)
    try:
        again.send_all([ids[i] for i in RESENT])
    finally:
        again.close()
    for i in RESENT:
        resend = again.acks[ids[i]][0]
        assert resend["ok"] and resend["duplicate"] is True
        assert resend["message"]["id"] == acks[ids[i]]["message"]["id"]
    public_id = server_public_id(server, acks[ids[0]]["message"]["conversation_id"])
    _, conversations, messages = visitor_rows(server, public_id)
    assert len(conversations) == 1, conversations
    visitor_lines = [m for m in messages if m.sender == "visitor"]
    assert sorted(m.client_msg_id for m in visitor_lines) == sorted(ids)
    replies = [m for m in messages if m.sender == "bot"]
    assert sorted(r.reply_to for r in replies) == sorted(ids), "one bot reply per message"
    position = {m.client_msg_id: m.id for m in visitor_lines}
    assert all(r.id > position[r.reply_to] for r in replies), "a reply came before its message"
    assert len({m["id"] for m in again.history}) == len(again.history) == 2 * BURST


def server_public_id(server, conversation_id):
    with server.db.connect() as conn:
        return conn.execute(text(
            "SELECT v.public_id FROM visitors v JOIN conversations c ON c.visitor_id = v.id"
            " WHERE c.id = :c"), {"c": conversation_id}).scalar_one()


def _store_without_reply(server, conversation_id, client_msg_id):
    """What a crash between storing a visitor message and the bot's reply leaves behind."""
    with server.db.begin() as conn:
        visitor_id = conn.execute(text("SELECT visitor_id FROM conversations WHERE id = :c"),
                                  {"c": conversation_id}).scalar_one()
        conn.execute(text(
            "INSERT INTO messages (conversation_id, visitor_id, sender, text, client_msg_id,"
            " answered, created_at) VALUES (:c, :v, 'visitor', :t, :m, :no, CURRENT_TIMESTAMP)"),
            {"c": conversation_id, "v": visitor_id, "t": QUESTION, "m": client_msg_id,
             "no": False})


def test_racing_resends_of_a_message_whose_reply_was_lost_get_one_reply(server):
    first = Visitor(server)
    try:
        first.send_all(["before-crash"])
    finally:
        first.close()
    conversation_id = first.acks["before-crash"][0]["message"]["conversation_id"]
    _store_without_reply(server, conversation_id, "lost-in-crash")
    tabs = [Visitor(server, token=first.token) for _ in range(2)]
    try:
        go = threading.Barrier(len(tabs))
        threads = [threading.Thread(target=lambda t=t: (go.wait(), t.send_all(["lost-in-crash"])))
                   for t in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        acks = [t.acks["lost-in-crash"][0] for t in tabs]
        assert all(a["ok"] and a["duplicate"] is True for a in acks), acks
    finally:
        for tab in tabs:
            tab.close()
    with server.db.connect() as conn:
        replies = conn.execute(text(
            "SELECT sender FROM messages WHERE conversation_id = :c AND reply_to = :m"),
            {"c": conversation_id, "m": "lost-in-crash"}).scalars().all()
    assert replies == ["bot"]
    assert any(m.get("reply_to") == "lost-in-crash" for t in tabs for m in t.received)
