"""A visitor has at most one open conversation, however many requests race to open it:
the database refuses a second one and find-or-create reads the winner's (defect 2)."""
import threading

import pytest
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import Conversation, Visitor
from kefu.services import visitor_actions
from tests.helpers import session_of


def _new_visitor(visitor):
    return session_of(visitor())["visitor_id"]


def _race(app, calls):
    """Run every call at the same instant in its own thread and app context."""
    start, results, errors = threading.Barrier(len(calls)), [], []

    def run(call):
        start.wait()
        try:
            with app.app_context():
                results.append(call())
        except Exception as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def _open_ids(app, public_id):
    with app.app_context():
        return [c.id for c in db.session.scalars(db.select(Conversation).join(Visitor).where(
            Visitor.public_id == public_id))]


def test_racing_first_messages_and_a_handoff_request_share_one_conversation(app, visitor):
    public_id = _new_visitor(visitor)
    calls = [lambda i=i: visitor_actions.post_message(public_id, f"m{i}", "hello")
             for i in range(8)]
    calls.append(lambda: visitor_actions.request_human(public_id))
    results = _race(app, calls)
    opened = {r.conversation_id for r in results}
    assert len(opened) == 1 and _open_ids(app, public_id) == list(opened)


def test_the_database_refuses_a_second_open_conversation(app, visitor):
    public_id = _new_visitor(visitor)
    with app.app_context():
        visitor_id = db.session.scalars(db.select(Visitor.id).where(
            Visitor.public_id == public_id)).one()
        db.session.add(Conversation(visitor_id=visitor_id, state="closed"))
        db.session.add(Conversation(visitor_id=visitor_id, state="bot"))
        db.session.commit()
        db.session.add(Conversation(visitor_id=visitor_id, state="waiting"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
