"""Fixtures for the handoff tests: logged-in agents on /agent and a scriptable bot."""
from dataclasses import asdict, dataclass, field

import pytest

from tests.helpers import events, login, make_user, session_of, set_active


@dataclass
class ScriptedDecision:
    """What ``bot.FaqBot.decide`` returns, with the fields kefu reads."""

    action: str
    intent: str | None = None
    confidence: float = 0.0
    language: str = "en"
    text: str = ""
    suggestions: list = field(default_factory=list)
    quick_replies: list = field(default_factory=list)
    links: list = field(default_factory=list)
    reason: str | None = None

    def to_dict(self):
        return asdict(self)


class ScriptedBot:
    """A bot whose answers a test chooses; it counts how often it was asked."""

    def __init__(self):
        self.calls = []

    def decide(self, text, locale="en", consecutive_suggestions=0):
        self.calls.append(text)
        if text.startswith("gibberish"):
            return ScriptedDecision("escalate", "shipping_time", 0.12, reason="low_confidence",
                                    suggestions=[{"intent": "shipping_time", "title": "Shipping",
                                                  "confidence": 0.12}])
        if text.startswith("human"):
            return ScriptedDecision("escalate", "human_handoff", 0.97, reason="handoff_intent")
        if text.startswith("unsure"):
            guesses = [{"intent": i, "title": i.title(), "confidence": c}
                       for i, c in (("returns", 0.41), ("refund", 0.33), ("exchange", 0.2))]
            if consecutive_suggestions >= 1:
                return ScriptedDecision("escalate", "returns", 0.41, reason="repeated_miss",
                                        suggestions=guesses)
            return ScriptedDecision("suggest", "returns", 0.41, text="Did you mean ...?",
                                    suggestions=guesses)
        return ScriptedDecision("answer", "shipping_time", 0.93, text="Orders ship in 24 hours.")

    def answer_intent(self, intent, locale="en"):
        self.calls.append(f"intent:{intent}")
        return ScriptedDecision("answer", intent, 1.0, text=f"About {intent}.")


@pytest.fixture
def scripted_bot(app):
    """Replace the app's bot with a :class:`ScriptedBot` for this test."""
    service = app.extensions["kefu_bot"]
    bot = ScriptedBot()
    service._bot = bot
    service.check_seconds = 10 ** 9
    service._checked_at = 10 ** 12
    return bot


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

