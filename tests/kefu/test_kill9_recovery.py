"""kill -9 in the middle of a visitor's burst: after a restart on the same database, the
widget's resends leave every message stored once and answered once (issue 7, defects 2
and 3, with a real crash instead of a simulated one).

The server is killed with SIGKILL while acks and bot replies are in flight, so some
messages were committed and acknowledged, some committed but never acknowledged, some
never arrived, and some lost their bot reply.  The visitor then reconnects to a new
server process on the same database and resends the whole burst, as the widget resends
its outbox; acknowledged ones must come back as duplicates with the same id.
"""
import threading
import time
import uuid

import pytest
import socketio
from sqlalchemy import create_engine, text

from tests.kefu.test_burst_live import QUESTION, server_public_id, visitor_rows
from tests.live import LiveServer
from tests.pg import database_url

pytestmark = pytest.mark.slow

ROUNDS = 2
BURST = 40


@pytest.fixture(params=[("sqlite", "eventlet"), ("postgresql", "gevent")],
                ids=lambda p: "-".join(p))
def crashable(request, tmp_path, trained_model_dir):
    """A ``kefu run`` that the test kills and starts again on the same database and port."""
    database, mode = request.param
    url = database_url(request, database, tmp_path, "kill9")
    server = LiveServer(tmp_path, trained_model_dir, async_mode=mode, env={
        "KEFU_DATABASE_URL": url, "KEFU_VISITOR_MESSAGE_RATE_LIMIT": "10000 per 10 seconds",
        "KEFU_VISITOR_CONNECT_RATE_LIMIT": "10000 per minute"})
    server.db = create_engine(url)
    yield server
    server.db.dispose()
    server.stop()


class Burst:
    """A visitor socket that emits a burst without waiting and records every ack."""

    def __init__(self, url, token=None):
        self.client = socketio.Client(reconnection=False)
        self.acks = {}
        self.lock = threading.Lock()
        session = threading.Event()

        def on_session(data):
            self.token = data["token"]
            session.set()

        self.client.on("session", on_session, namespace="/visitor")
        auth = {"locale": "en", **({"token": token} if token else {})}
        self.client.connect(url, namespaces=["/visitor"], auth=auth,
                            transports=["websocket"], wait_timeout=10)
        assert session.wait(15), "no session event"

    def emit_all(self, ids):
        for cid in ids:
            self.client.emit("message", {"client_msg_id": cid, "text": QUESTION},
                             namespace="/visitor", callback=self._acker(cid))

    def _acker(self, cid):
        def ack(data):
            with self.lock:
                self.acks[cid] = data
        return ack

    def wait_acks(self, count, timeout):
        deadline = time.monotonic() + timeout
        while len(self.acks) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return dict(self.acks)

    def close(self):
        self.client.disconnect()


def _wait_for_replies(server, public_id, ids, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        _, conversations, messages = visitor_rows(server, public_id)
        replied = {m.reply_to for m in messages if m.sender == "bot"}
        if set(ids) <= replied or time.monotonic() > deadline:
            return conversations, messages
        time.sleep(0.2)


def test_every_acknowledged_message_survives_kill_9_once_and_every_message_is_answered_once(
        crashable):
    token, public_id, everything = None, None, []
    crashed_with = []  # (acked before the crash, burst size) per round, for the message
    for round_number in range(ROUNDS):
        ids = [f"r{round_number}-{i}-{uuid.uuid4().hex[:6]}" for i in range(BURST)]
        everything += ids
        crashable.start()
        burst = Burst(crashable.url, token)
        token = burst.token
        burst.emit_all(ids)
        before = burst.wait_acks(BURST // 4, timeout=20)  # mid-burst: some acked, most not
        crashable.kill9()
        burst.close()
        crashed_with.append((len(before), BURST))
        assert all(a["ok"] for a in before.values()), before

        crashable.start()  # a new process on the same database and port
        resend = Burst(crashable.url, token)
        resend.emit_all(ids)  # the whole outbox again, acknowledged ones included
        after = resend.wait_acks(BURST, timeout=60)
        assert len(after) == BURST, f"{len(after)} of {BURST} resends acknowledged"
        assert all(a["ok"] for a in after.values()), [a for a in after.values() if not a["ok"]]
        for cid, ack in before.items():  # acknowledged before the crash: the same row
            assert after[cid]["duplicate"] is True
            assert after[cid]["message"]["id"] == ack["message"]["id"]
        public_id = public_id or server_public_id(
            crashable, after[ids[0]]["message"]["conversation_id"])
        _wait_for_replies(crashable, public_id, everything)  # before the next crash
        resend.close()
        crashable.stop()

    conversations, messages = _wait_for_replies(crashable, public_id, everything, timeout=0)
    assert [state for _, state in conversations] == ["bot"], conversations
    visitor_lines = sorted(m.client_msg_id for m in messages if m.sender == "visitor")
    assert visitor_lines == sorted(everything), "every message stored exactly once"
    replies = sorted(m.reply_to for m in messages if m.sender == "bot")
    assert replies == sorted(everything), \
        f"one bot reply per message (acked before each crash: {crashed_with})"
