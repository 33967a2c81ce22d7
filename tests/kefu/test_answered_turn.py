"""The Core path of an answered message stores exactly what the ORM path stores.

Two visitors of one app tell the bot the same script, one with the Core path
(kefu/services/answered_turn.py) switched off: every turn the bot says one line back
(answers, small talk, "did you mean" and the visitor taking it, off-topic, "I can help
with ..."), a resend, and repeated misses offered the leave-a-message form (the ORM
path's, on both).  Their stored lines, conversations, events, what the visitor received
and the supervising agent's cards must be the same, apart from ids and times;
tests/kefu/test_postgres.py runs this on PostgreSQL too.
"""
from sqlalchemy import event, select, text

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, miss_key_of
from tests.helpers import received, send, session_of

#: (text, what the script expects the policy to make of it)
SCRIPT = [
    ("how do I reset my password", "answer"),  # the first message opens the chat (ORM)
    ("怎么退货", "answer"),  # in Chinese: the conversation's language follows
    ("thx", "small_talk"),
    ("order or refund", "suggest"),
    (None, "answer"),  # taps the first offered intent: the offer loses its miss key
    ("what's the weather on Mars", "offtopic"),
    ("about the product", "clarify"),  # with the suggest band raised below
    ("product", "offer_form"),  # a second miss in a row, nobody online: the form
    ("coupon price", "answer"),
    ("help", "suggest"),
    ("order or refund", "offer_form"),
]
LINE_COLUMNS = ("sender", "text", "client_msg_id", "answered", "reply_to", "intent",
                "confidence", "bot_action", "extra", "helpful", "miss_key", "sender_user_id")
CHAT_COLUMNS = ("state", "language", "assigned_agent_id", "handoff_reason",
                "first_handoff_reason", "rating", "visitor_read_up_to", "agent_read_up_to")
#: Columns that name this chat's rows, its visitor and its times.
RAW_OWN = ("id", "conversation_id", "visitor_id", "created_at", "voted_at")
#: Fields of the wire form that differ between two chats by construction.
OWN = ("id", "conversation_id", "created_at")


def _talk(app, visitor, agent, *, core: bool):
    """Run the script on a new visitor; returns (public id, acks, events it received,
    events the agent received)."""
    app.config["ANSWERED_TURN_ON_CORE"] = core
    sio = visitor()
    public_id = session_of(sio)["visitor_id"]
    received(agent.sio, "/agent")
    acks, got, offered = [], [], None
    for n, (text, _) in enumerate(SCRIPT):
        extra = {}
        if text is None:  # the visitor taps the first suggestion of the last offer
            text, extra = offered["title"], {"intent": offered["intent"]}
        acks.append(send(sio, text, client_msg_id=f"s{n}", **extra))
        got.append(received(sio))
        bot = [m for name, m in got[-1] if name == "message" and m["sender"] == "bot"]
        if bot and bot[-1]["action"] == "suggest":
            offered = bot[-1]["suggestions"][0]
    acks.append(send(sio, SCRIPT[1][0], client_msg_id="s1"))  # a resend: a duplicate
    got.append(received(sio))
    return public_id, acks, got, received(agent.sio, "/agent")


def _plain(value):
    """A wire payload without the fields that name this chat's rows and times."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in OWN}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _stored(public_id):
    """The chat's lines, conversation and events as comparable values."""
    from kefu.models import Visitor

    visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).one()
    [chat] = visitor.conversations
    lines = db.session.scalars(select(Message).where(Message.conversation_id == chat.id)
                               .order_by(Message.id)).all()
    events = db.session.scalars(select(ConversationEvent).where(
        ConversationEvent.conversation_id == chat.id).order_by(ConversationEvent.id)).all()
    bot_times = [m.created_at for m in lines if m.sender == "bot"]
    # As stored, without the columns' types: a JSON 'null' is not a NULL, a string not a time.
    raw = db.session.execute(text(
        "SELECT * FROM messages WHERE conversation_id = :c ORDER BY id"), {"c": chat.id})
    stored = [{k: v for k, v in row.items() if k not in RAW_OWN}
              for row in raw.mappings()]
    return {
        "lines": [tuple(getattr(m, c) for c in LINE_COLUMNS) + (m.visitor_id is not None,)
                  for m in lines],
        "stored": stored,
        "chat": {c: getattr(chat, c) for c in CHAT_COLUMNS},
        # The figures (0014): set from the lines, whichever path stored them.
        "bot_spoke_at is the first bot line": chat.bot_spoke_at == min(bot_times),
        "figures unset": [getattr(chat, c) for c in (
            "first_handoff_at", "first_response_at", "queued_at", "abandoned_at")],
        "events": [(e.kind, e.from_state, e.to_state, e.actor_kind, e.reason, e.data)
                   for e in events],
        "ids in order": [m.id for m in lines] == sorted(m.id for m in lines),
        "times in order": [m.created_at for m in lines] == sorted(m.created_at for m in lines),
    }


def test_the_core_path_stores_what_the_orm_path_stores(app, visitor, desk):
    from kefu.services import settings
    from kefu.services.bot_bridge import current_bot

    with app.app_context():
        # "about the product" is a low-confidence guess: below the band, "I can help with"
        settings.put("clarify_suggest_min_confidence", 0.99)
        # "I can help with" lists the most asked answers of all chats unless the topics
        # are set: the second visitor's would count the first one's answers.
        settings.put("clarify_topics", ["return_policy", "refund_status", "order_status"])
        current_bot()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda conn, cursor, sql, *a: statements.append(sql.split()[0].upper()))
    agent = desk()  # supervising: every bot turn's card; away, so misses offer the form
    assert agent.call("presence", {"status": "away"})["ok"] is True
    orm = _talk(app, visitor, agent, core=False)
    orm_statements, statements[:] = list(statements), []
    core = _talk(app, visitor, agent, core=True)

    # The script went as planned: the policy's turn per message, on both paths.
    for _, acks, got, _ in (orm, core):
        actions = [[m["action"] for name, m in g
                    if name == "message" and m["sender"] != "visitor"] for g in got]
        assert actions == [[a] for _, a in SCRIPT] + [[]]
        assert all(a["ok"] for a in acks) and acks[-1]["duplicate"] is True
    assert _plain(core[1]) == _plain(orm[1])  # the acks
    assert _plain(core[2]) == _plain(orm[2])  # every event the visitor received
    assert [name for name, _ in orm[3]].count("bot_chat") == len(SCRIPT)  # a card a turn
    assert _plain(core[3]) == _plain(orm[3])  # and the agent (the supervision cards)
    with app.app_context():
        orm_rows, core_rows = _stored(orm[0]), _stored(core[0])
    assert core_rows == orm_rows
    keys = [line[LINE_COLUMNS.index("miss_key")] for line in orm_rows["lines"]]
    assert keys[7] is None  # the "did you mean" the visitor took lost its miss key
    assert keys[11] == miss_key_of("what's the weather on Mars")  # off-topic: a miss
    assert keys[13] == miss_key_of("about the product")  # "I can help with": a miss
    assert keys[19] == miss_key_of("help")  # the last offer, not taken
    assert orm_rows["chat"]["language"] == "en"
    assert orm_rows["bot_spoke_at is the first bot line"] is True
    # The Core path really ran: it never claims a stored line (no UPDATE of messages
    # but the offer taken), and wrote fewer statements than the ORM path.
    assert len(statements) < len(orm_statements)
    assert statements.count("UPDATE") < orm_statements.count("UPDATE")


def test_a_chat_an_agent_took_over_is_left_to_the_orm_path_and_the_bot_says_nothing(
        app, visitor, desk):
    from kefu.services import answered_turn, supervision
    from kefu.services.bot_bridge import current_bot

    sio = visitor()
    public_id = session_of(sio)["visitor_id"]
    send(sio, "how do I reset my password", client_msg_id="a1")
    agent = desk()
    with app.app_context():
        conversation_id = db.session.scalars(select(Conversation.id)).one()
        bot = current_bot()
        supervision.take_over(conversation_id, agent.id)
        db.session.remove()
        assert answered_turn.store(public_id, "a2", "怎么退货", None, bot) \
            == answered_turn.DECLINED  # declined before the bot was asked
        assert db.session.scalars(select(Message).where(Message.client_msg_id == "a2")).all() == []
    ack = send(sio, "怎么退货", client_msg_id="a2")
    assert ack["ok"] is True and ack["duplicate"] is False
    with app.app_context():
        [line] = db.session.scalars(select(Message).where(Message.client_msg_id == "a2")).all()
        assert line.conversation.state == "agent"
        assert db.session.scalars(select(Message).where(Message.reply_to == "a2")).all() == []


def test_a_turn_the_core_path_declines_after_the_bot_thought_is_classified_once(
        app, visitor, monkeypatch):
    from kefu.services.bot_bridge import current_bot

    sio = visitor()
    send(sio, "how do I reset my password", client_msg_id="a1")  # the bot holds the chat
    with app.app_context():
        bot = current_bot()
    asked, decide = [], bot.decide

    def counted(text, **kwargs):  # the real decision, counted
        asked.append(text)
        return decide(text, **kwargs)

    monkeypatch.setattr(bot, "decide", counted)
    ack = send(sio, "给我转人工", client_msg_id="a2")  # a handoff: the Core path declines
    assert ack["ok"] is True and ack["duplicate"] is False
    assert asked == ["给我转人工"]  # the ORM path took the Core path's verdict
    with app.app_context():
        [line] = db.session.scalars(select(Message).where(Message.client_msg_id == "a2")).all()
        assert line.answered is True and line.conversation.state == "waiting"
