"""Fixtures for the handoff tests: logged-in agents on /agent and phrases for the real bot."""

import pytest

from tests.helpers import events, login, make_user, session_of, set_active


#: Candidate visitor messages; the real bot decides which band each falls in.
OFF_TOPIC = ["asdfgh qwerty zxcvb", "what's the weather on Mars", "帮我写一首诗",
             "who won the football world cup in 1998", "解释一下量子力学"]
UNSURE = ["refund or exchange", "the thing i bought", "about the product", "info please",
          "can you check something for me", "points or coupon", "coupon price", "退还是换",
          "i have a question about my purchase", "help", "订单和退款", "order or refund", "有个问题",
          "关于商品的问题"]


@pytest.fixture
def bot_phrases(app):
    """Messages that make the *real* bot hand over for each reason (found, not assumed).

    ``{"off_topic": [text], "handoff": [text], "unsure": [text, text]}``: an off-topic
    question it escalates for low confidence, a handoff-intent request, and two
    questions in its "did you mean" band (two in a row is a repeated miss).
    """
    from kefu.services.bot_bridge import current_bot

    with app.app_context():
        bot = current_bot()
        off = [t for t in OFF_TOPIC if bot.decide(t).reason == "low_confidence"]
        unsure = [t for t in UNSURE if bot.decide(t).action == "suggest"]
        handoff = bot.decide("转人工", locale="zh")
    assert off, "the bot answers every off-topic candidate: add one it rejects"
    assert len(unsure) >= 2, "fewer than two candidates fall in the bot's suggest band"
    assert (handoff.action, handoff.reason) == ("escalate", "handoff_intent")
    return {"off_topic": off[:1], "handoff": ["转人工"], "unsure": unsure[:2]}


@pytest.fixture
def desk(app):
    """Log a new user in and connect it to /agent: ``desk(role="agent", name=None)``.

    Returns an object with ``sio`` (socket test client), ``http`` (logged-in HTTP
    client), ``id``, ``csrf`` and ``hello`` (the hello payload, or None if refused).
    """
    from kefu.extensions import socketio

    clients = []

    class Desk:
        def __init__(self, role, name, active=True, connect=True):
            self.id, self.email, password = make_user(app, role=role, name=name)
            self.http = app.test_client()
            self.csrf = login(self.http, self.email, password)
            if not active:
                set_active(app, self.id, False)
            self.sio = None
            self.hello = None
            if connect:
                self.connect()

        def connect(self):
            sio = socketio.test_client(app, namespace="/agent", flask_test_client=self.http)
            clients.append(sio)
            if self.sio is None:
                self.sio = sio
            if sio.is_connected("/agent"):
                hellos = events(sio, "hello", "/agent")
                self.hello = hellos[0] if hellos else None
            return sio

        def call(self, event, payload=None, sio=None):
            return (sio or self.sio).emit(event, payload if payload is not None else {},
                                         namespace="/agent", callback=True)

        def events(self, name, sio=None):
            return events(sio or self.sio, name, "/agent")

    def make(role="agent", name=None, **kw):
        return Desk(role, name or f"{role.title()} {len(clients) + 1}", **kw)

    yield make
    for sio in clients:
        if sio.is_connected("/agent"):
            sio.disconnect("/agent")


@pytest.fixture
def waiting_visitor(visitor):
    """A visitor who asked for a person: ``(sio, conversation_id)``."""

    def make(locale="en"):
        sio = visitor(locale=locale)
        session_of(sio)
        ack = sio.emit("request_human", {}, namespace="/visitor", callback=True)
        assert ack["ok"] is True, ack
        return sio, ack["conversation"]["id"]

    return make

