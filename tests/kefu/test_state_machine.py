"""The conversation lifecycle is one table: every allowed move works and is recorded with
its actor and reason; every other move is refused and changes nothing."""
import ast
import itertools

import pytest
from sqlalchemy import select

from kefu.config import PROJECT_ROOT
from kefu.extensions import db
from kefu.models import STATES, Conversation, ConversationEvent, Visitor
from kefu.services import lifecycle
from kefu.services.errors import ServiceError

ALL_MOVES = list(itertools.product(STATES, STATES))


def _conversation_in(state: str) -> Conversation:
    """A stored conversation in ``state`` (set up directly: this is the fixture's job)."""
    visitor = Visitor(locale="en")
    db.session.add(visitor)
    db.session.flush()
    conversation = Conversation(visitor_id=visitor.id, state=state)
    db.session.add(conversation)
    db.session.commit()
    return conversation


def _events(conversation_id):
    return db.session.scalars(select(ConversationEvent).where(
        ConversationEvent.conversation_id == conversation_id)).all()


def test_the_table_names_every_state_and_nothing_else():
    assert {s for move in lifecycle.TRANSITIONS for s in move} == set(STATES)
    assert lifecycle.INITIAL in STATES


@pytest.mark.parametrize("from_state, to_state", sorted(lifecycle.TRANSITIONS))
def test_every_allowed_move_changes_the_state_and_records_who_and_why(app, from_state,
                                                                      to_state):
    with app.app_context():
        conversation = _conversation_in(from_state)
        actor = lifecycle.Actor("system", None)
        lifecycle.transition(conversation, to_state, actor, "test_reason",
                             data={"n": 1})
        db.session.commit()
        assert conversation.state == to_state  # the loaded object follows the row
        db.session.expire_all()
        assert db.session.get(Conversation, conversation.id).state == to_state
        [event] = _events(conversation.id)
        assert (event.kind, event.from_state, event.to_state, event.actor_kind,
                event.reason, event.data) == (lifecycle.TRANSITIONS[from_state, to_state],
                                              from_state, to_state, "system",
                                              "test_reason", {"n": 1})


@pytest.mark.parametrize("from_state, to_state",
                         [m for m in ALL_MOVES if m not in lifecycle.TRANSITIONS])
def test_every_other_move_is_refused_and_changes_nothing(app, from_state, to_state):
    with app.app_context():
        conversation = _conversation_in(from_state)
        with pytest.raises(ServiceError) as refused:
            lifecycle.transition(conversation, to_state, lifecycle.BOT, "test_reason")
        assert refused.value.code == "illegal_transition"
        db.session.rollback()
        assert db.session.get(Conversation, conversation.id).state == from_state
        assert _events(conversation.id) == []


def test_a_move_raced_by_a_rival_is_refused_not_made_twice(app):
    """The UPDATE matches only while the row is still in the state the caller read."""
    with app.app_context():
        conversation = _conversation_in("waiting")
        stale = Conversation(id=conversation.id, visitor_id=conversation.visitor_id,
                             state="waiting")
        lifecycle.transition(conversation, "agent", lifecycle.SYSTEM, "claim")
        db.session.commit()
        with pytest.raises(ServiceError) as refused:
            lifecycle.transition(conversation.id, "closed", lifecycle.SYSTEM, "close",
                                 from_state=stale.state)
        assert refused.value.code == "invalid_state"
        db.session.rollback()
        assert db.session.get(Conversation, conversation.id).state == "agent"
        assert [e.kind for e in _events(conversation.id)] == ["claimed"]


def _state_writes(tree):
    """Lines of ``<x>.state = ...``, ``.values(state=...)``, ``Conversation(state=...)``."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "state":
                    yield node.lineno
        if isinstance(node, ast.Call) and any(k.arg == "state" for k in node.keywords):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("values", "Conversation"):  # an UPDATE, or a new conversation
                yield node.lineno


def test_nothing_but_the_lifecycle_writes_a_conversation_state():
    writers = {}
    for path in (PROJECT_ROOT / "kefu").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        lines = list(_state_writes(ast.parse(path.read_text(encoding="utf-8"))))
        if lines:
            writers[str(path.relative_to(PROJECT_ROOT))] = lines
    assert list(writers) == ["kefu/services/lifecycle.py"], writers
