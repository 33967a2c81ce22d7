"""A new visitor's burst of messages against real servers (eventlet and gevent, SQLite and
PostgreSQL): one conversation, every message stored once, every message answered once.

The widget flushes its outbox on reconnect without waiting for each ack, so a new
visitor's first messages arrive together and race to open its conversation; after the
next reconnect it resends the ones whose acks it missed.  The database decides both
races (issue 7, defect 2), so this is tested on each database and server kind.
"""
import threading
import time
import uuid

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.live import LiveServer

pytestmark = pytest.mark.slow

BURST = 100
RESENT = 5
#: Questions the demo bot answers outright (no handoff, no "did you mean").
QUESTIONS = ["how long does shipping take", "what is your return policy",
             "do you ship internationally", "how much is shipping"]
SETUPS = [("eventlet", "sqlite"), ("gevent", "sqlite"),
          ("eventlet", "postgresql"), ("gevent", "postgresql")]


@pytest.fixture(scope="module", params=SETUPS, ids=["-".join(s) for s in SETUPS])
def burst_server(request, tmp_path_factory, trained_model_dir):
    """A ``kefu run`` of one server kind on one database, with the message limit lifted.

    Returns ``(server, database url)``; the burst is far above the per-visitor message
    rate limit, which is not what is tested here.
    """
    mode, database = request.param
    instance = tmp_path_factory.mktemp(f"burst-{mode}-{database}")
    if database == "sqlite":
        url = f"sqlite:///{instance / 'kefu.sqlite'}"
    else:
        postgres = request.getfixturevalue("postgres")
        name = f"burst_{uuid.uuid4().hex[:10]}"
        postgres.execute(f"CREATE DATABASE {name}")
        url = postgres.url(name)
    server = LiveServer(instance, trained_model_dir, async_mode=mode,
                        env={"KEFU_DATABASE_URL": url,
                             "KEFU_VISITOR_MESSAGE_RATE_LIMIT": "1000 per 10 seconds"}).start()
    yield server, url
    server.stop()


class Widget:
    """A python-socketio client that sends like the widget: many messages, no waiting."""

    def __init__(self, url, token=None):
        self.client = socketio.Client()
        self.session = threading.Event()
        self.lock = threading.Lock()
        self.sessions, self.replies, self.acks = [], [], {}
        self.client.on("session", self._on_session, namespace="/visitor")
        self.client.on("message", self._on_message, namespace="/visitor")
        auth = {"locale": "en", **({"token": token} if token else {})}
        self.client.connect(url, namespaces=["/visitor"], auth=auth, transports=["websocket"],
                            wait_timeout=10)
        assert self.session.wait(10), "no session event"

    def _on_session(self, data):
        self.sessions.append(data)
        self.session.set()

    def _on_message(self, data):
        with self.lock:
            self.replies.append(data)

    def send_all(self, messages):
        """Emit every ``(client_msg_id, text)`` at once; acks are collected as they come."""
        for client_msg_id, question in messages:
            self.client.emit("message", {"client_msg_id": client_msg_id, "text": question},
                             namespace="/visitor",
                             callback=lambda ack, i=client_msg_id: self._ack(i, ack))

    def _ack(self, client_msg_id, ack):
        with self.lock:
            self.acks[client_msg_id] = ack

    def wait_for(self, acks, replies, timeout=60):
        """Until ``acks`` acks and ``replies`` message events have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.acks) >= acks and len(self.replies) >= replies:
                    return
            time.sleep(0.05)
        raise AssertionError(f"{len(self.acks)} of {acks} acks, "
                             f"{len(self.replies)} of {replies} replies")

    def close(self):
        self.client.disconnect()


def stored(url, public_id):
    """The visitor's conversations and messages as the database holds them."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conversations = conn.execute(text(
                "SELECT c.id, c.state FROM conversations c JOIN visitors v "
                "ON v.id = c.visitor_id WHERE v.public_id = :p ORDER BY c.id"),
                {"p": public_id}).all()
            messages = conn.execute(text(
                "SELECT m.id, m.conversation_id, m.sender, m.client_msg_id, m.reply_to "
                "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "JOIN visitors v ON v.id = c.visitor_id WHERE v.public_id = :p ORDER BY m.id"),
                {"p": public_id}).all()
    finally:
        engine.dispose()
    return conversations, messages


def test_a_new_visitors_burst_and_resends_make_one_conversation_and_each_message_once(
        burst_server):
    server, url = burst_server
    burst = [(f"burst-{i}", QUESTIONS[i % len(QUESTIONS)]) for i in range(BURST)]
    first = Widget(server.url)
    try:
        first.send_all(burst)
        first.wait_for(acks=BURST, replies=BURST)
    finally:
        first.close()
    session = first.sessions[0]
    assert all(ack["ok"] and not ack["duplicate"] for ack in first.acks.values()), \
        [a for a in first.acks.values() if not (a["ok"] and not a["duplicate"])][:3]
    opened = {ack["message"]["conversation_id"] for ack in first.acks.values()}
    assert len(opened) == 1, f"the burst opened {len(opened)} conversations"

    again = Widget(server.url, token=session["token"])
    try:
        resent = burst[::BURST // RESENT][:RESENT]
        again.send_all(resent)
        again.wait_for(acks=RESENT, replies=0)
        time.sleep(0.3)  # a wrongly repeated answer would arrive now
    finally:
        again.close()
    assert again.sessions[0]["conversation_id"] == opened.pop()
    for client_msg_id, _ in resent:
        ack = again.acks[client_msg_id]
        assert ack["ok"] and ack["duplicate"], ack
        assert ack["message"]["id"] == first.acks[client_msg_id]["message"]["id"]
    assert again.replies == [], "a resent message was answered again"

    conversations, messages = stored(url, session["visitor_id"])
    assert len(conversations) == 1 and conversations[0].state == "bot", conversations
    sent = [m for m in messages if m.sender == "visitor"]
    assert sorted(m.client_msg_id for m in sent) == sorted(i for i, _ in burst)
    for message in sent:
        answers = [m for m in messages if m.reply_to == message.client_msg_id]
        assert [m.sender for m in answers] == ["bot"], (message, answers)
        assert answers[0].id > message.id, "a reply was stored before its message"
