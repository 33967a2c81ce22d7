"""The write path of a visitor message (issue 12): what it costs the database, and why.

An answered message is one write transaction (the message, the bot's reply and the
conversation's changes commit together, before the ack); writers of one process queue
on one lock per SQLite file instead of polling SQLite's busy handler; a SQLite file is
not pinged on every checkout.  Speed itself is measured by benchmarks/load.py.
"""
import threading

from sqlalchemy import event, text

from kefu.config import engine_options
from kefu.extensions import db
from kefu.models import Message
from tests.helpers import send, session_of

WRITES = ("INSERT", "UPDATE", "DELETE")


def _transactions(engine):
    """Record every statement and commit on ``engine`` into a list; returns the list."""
    log = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cur, statement, *a: log.append(statement.split()[0].upper()))
    event.listen(engine, "commit", lambda conn: log.append("COMMIT"))
    return log


def _write_transactions(log):
    """How many commits closed a transaction that wrote something."""
    count, wrote = 0, False
    for entry in log:
        if entry in WRITES:
            wrote = True
        elif entry == "COMMIT":
            count += wrote
            wrote = False
    return count


def test_a_handoff_commits_the_message_before_handing_off(app, visitor):
    sio = visitor()
    session_of(sio)
    send(sio, "hello")
    with app.app_context():
        log = _transactions(db.engine)
    ack = send(sio, "I want to talk to a human", client_msg_id="h")
    assert ack["ok"] is True
    assert _write_transactions(log) == 2, log  # the message, then the claim and the notices
    with app.app_context():
        stored = db.session.scalars(db.select(Message).where(Message.client_msg_id == "h")).one()
        assert stored.answered is True and stored.conversation.state == "waiting"


def test_writers_of_one_process_queue_instead_of_meeting_sqlite_s_lock(app):
    """With SQLite's busy wait switched off, a second writer would fail at once."""
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE tally (n INTEGER)"))
    errors, start = [], threading.Barrier(8)

    def writer():
        start.wait()
        try:
            for _ in range(25):
                with engine.connect() as conn:
                    conn.execute(text("PRAGMA busy_timeout=0"))
                    conn.execute(text("INSERT INTO tally (n) VALUES (1)"))
                    conn.execute(text("UPDATE tally SET n = n + 1 WHERE rowid = 1"))
                    conn.commit()
        except Exception as error:  # "database is locked" without the lock
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tally")).scalar_one() == 200


def test_a_sqlite_file_is_not_pinged_and_a_server_database_is():
    assert "pool_pre_ping" not in engine_options("sqlite:////tmp/kefu.sqlite", 20)
    assert engine_options("sqlite:////tmp/kefu.sqlite", 20)["pool_size"] == 20
    assert engine_options("sqlite://", 20) == {}
    assert engine_options("postgresql+psycopg://kefu@db/kefu", 20)["pool_pre_ping"] is True


def test_event_limits_in_memory_start_no_thread_and_still_limit():
    """limits' memory storage started a timer thread on the event loop on most hits."""
    from kefu.services.ratelimit import EventLimiter

    limiter = EventLimiter("memory://")
    before = threading.active_count()
    allowed = [limiter.hit("20 per 10 seconds", "message", "v1") for _ in range(25)]
    assert threading.active_count() == before
    assert allowed == [True] * 20 + [False] * 5
    assert limiter.hit("20 per 10 seconds", "message", "v2") is True


def test_an_answered_message_is_one_read_and_one_write_transaction_on_one_connection(
        app_factory):
    """The Core path (kefu/services/answered_turn.py): the chat the bot holds answers in
    one checkout, one SELECT and one commit of the two lines and the conversation."""
    from kefu.extensions import socketio

    # The settings' version is read once a second, which would be a second checkout.
    app = app_factory(SETTINGS_CHECK_SECONDS=3600)
    sio = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"},
                               flask_test_client=app.test_client())
    session_of(sio)
    send(sio, "how do I reset my password")  # the first message opens the chat (ORM path)
    with app.app_context():
        log = _transactions(db.engine)
        event.listen(db.engine.pool, "checkout", lambda *a: log.append("CHECKOUT"))
    ack = send(sio, "怎么退货", client_msg_id="c")
    assert ack["ok"] is True and ack["duplicate"] is False
    assert log.count("CHECKOUT") == 1 and log.count("COMMIT") == 1, log
    assert log.count("SELECT") == 1 and _write_transactions(log) == 1, log
    assert sorted(e for e in log if e in WRITES) == ["INSERT", "INSERT", "UPDATE"], log
    with app.app_context():
        stored = db.session.scalars(db.select(Message).where(Message.client_msg_id == "c")).one()
        reply = db.session.scalars(db.select(Message).where(Message.reply_to == "c")).one()
        assert stored.answered is True and reply.bot_action == "answer"
    sio.disconnect("/visitor")
    with app.app_context():
        db.engine.dispose()
