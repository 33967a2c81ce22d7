"""Migration 0004 on a database written by the old code: the duplicates the races left
behind are resolved so the new constraints can hold, on SQLite and PostgreSQL."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from kefu import create_app
from kefu.extensions import db
from tests.conftest import make_config
from tests.pg import database_url

NOW = "2026-11-30 10:00:00+00:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_app(request, tmp_path, trained_model_dir):
    """An app on an empty database of either kind, not yet migrated."""
    url = database_url(request, request.param, tmp_path, "legacy")
    app = create_app(make_config(tmp_path, trained_model_dir, SQLALCHEMY_DATABASE_URI=url),
                     instance_path=tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def _run(sql, **params):
    return db.session.execute(text(sql), params)


def _write_what_the_races_left():
    """Visitor 1: two open conversations (1 older, 2 newer) and client id "a" stored in both;
    visitor 2: one conversation whose message "b" was answered and "c" was not."""
    for visitor_id in (1, 2):
        _run("INSERT INTO visitors (id, public_id, locale, first_seen, last_seen) "
             "VALUES (:i, :p, 'en', :t, :t)", i=visitor_id, p=f"v{visitor_id}", t=NOW)
    for conversation_id, visitor_id in ((1, 1), (2, 1), (3, 2)):
        _run("INSERT INTO conversations (id, visitor_id, state, created_at) "
             "VALUES (:c, :v, 'bot', :t)", c=conversation_id, v=visitor_id, t=NOW)
    rows = [(1, 1, "visitor", "a", None), (2, 1, "bot", None, "a"),
            (3, 2, "visitor", "a", None), (4, 2, "bot", None, "a"),
            (5, 3, "visitor", "b", None), (6, 3, "bot", None, "b"),
            (7, 3, "visitor", "c", None), (8, 3, "agent", "d", None)]
    for message_id, conversation_id, sender, client_msg_id, reply_to in rows:
        _run("INSERT INTO messages (id, conversation_id, sender, text, client_msg_id, "
             "reply_to, created_at) VALUES (:m, :c, :s, 'x', :k, :r, :t)", m=message_id,
             c=conversation_id, s=sender, k=client_msg_id, r=reply_to, t=NOW)
    db.session.commit()


def test_upgrade_keeps_the_newest_open_conversation_and_the_first_copy_of_each_id(legacy_app):
    directory = legacy_app.extensions["migrate"].directory
    with legacy_app.app_context():
        upgrade(directory=directory, revision="0003")
        _write_what_the_races_left()
        upgrade(directory=directory)
        states = dict(_run("SELECT id, state FROM conversations").all())
        assert states == {1: "closed", 2: "bot", 3: "bot"}
        closed_at = _run("SELECT closed_at FROM conversations WHERE id = 1").scalar()
        assert closed_at is not None
        messages = {row.id: row for row in _run(
            "SELECT id, visitor_id, answered FROM messages").all()}
        assert [messages[i].visitor_id for i in (1, 3, 5, 7)] == [1, None, 2, 2]
        assert all(messages[i].visitor_id is None for i in (2, 4, 6, 8))
        assert [bool(messages[i].answered) for i in (1, 3, 5, 7)] == [True, True, True, False]
        db.session.rollback()
        downgrade(directory=directory, revision="0003")
        upgrade(directory=directory)  # and back: the downgrade left a schema 0004 accepts
        db.session.rollback()


def test_after_the_upgrade_the_database_refuses_a_second_open_conversation(legacy_app):
    from sqlalchemy.exc import IntegrityError

    with legacy_app.app_context():
        upgrade(directory=legacy_app.extensions["migrate"].directory)
        _run("INSERT INTO visitors (id, public_id, locale, first_seen, last_seen) "
             "VALUES (1, 'v1', 'en', :t, :t)", t=NOW)
        _run("INSERT INTO conversations (visitor_id, state, created_at) VALUES (1, 'closed', :t)",
             t=NOW)
        _run("INSERT INTO conversations (visitor_id, state, created_at) VALUES (1, 'bot', :t)",
             t=NOW)
        db.session.commit()
        with pytest.raises(IntegrityError):
            _run("INSERT INTO conversations (visitor_id, state, created_at) "
                 "VALUES (1, 'waiting', :t)", t=NOW)
            db.session.commit()
        db.session.rollback()
