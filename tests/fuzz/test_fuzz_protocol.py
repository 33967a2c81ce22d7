"""Property: every event of both namespaces answers anything with ``ok`` or a documented code.

Arbitrary JSON, wrong arities and hostile strings (surrogates, NUL, RTL marks, 10k
characters, deep nesting) go to every ``on_*`` event of ``/visitor`` and ``/agent``, on
SQLite and PostgreSQL.  Never ``internal_error``, nothing written on a refusal, and the
same socket answers the next event.
"""
import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from kefu.extensions import db, socketio
from kefu.protocol import ERROR_CODES
from kefu.realtime.agent import AgentNamespace
from kefu.realtime.visitor import VisitorNamespace
from tests.fuzz.strategies import arguments
from tests.helpers import login, make_user, send, session_of


def client_events(namespace_class) -> list:
    """Every event a client may send to the namespace (its ``on_*`` handlers)."""
    return sorted(name[3:] for name, _ in inspect.getmembers(namespace_class, callable)
                  if name.startswith("on_") and name not in ("on_connect", "on_disconnect"))


VISITOR_EVENTS = client_events(VisitorNamespace)
AGENT_EVENTS = client_events(AgentNamespace)


def row_counts(app) -> dict:
    """Rows in every table: a refused event must leave each count as it was."""
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def check_ack(ack, before, app, event, args):
    assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, args, ack)
    if ack["ok"]:
        return
    code = ack["error"]["code"]
    assert code in ERROR_CODES and code != "internal_error", (event, args, ack)
    assert isinstance(ack["error"]["message"], str)
    assert row_counts(app) == before, (event, args, ack)


@pytest.fixture(scope="module")
def sockets(fuzz_app):
    """A visitor waiting for a person and an admin desk that claimed its chat."""
    app = fuzz_app
    vis = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"},
                               flask_test_client=app.test_client())
    session_of(vis)
    send(vis, "hello")
    conversation = vis.emit("request_human", {}, namespace="/visitor", callback=True)
    user_id, email, password = make_user(app, role="admin")
    http = app.test_client()
    login(http, email, password)
    desk = socketio.test_client(app, namespace="/agent", flask_test_client=http)
    assert desk.is_connected("/agent")
    claim = desk.emit("claim", {"conversation_id": conversation["conversation"]["id"]},
                      namespace="/agent", callback=True)
    assert claim["ok"], claim
    yield {"visitor": vis, "desk": desk}
    for sio, ns in ((vis, "/visitor"), (desk, "/agent")):
        if sio.is_connected(ns):
            sio.disconnect(ns)


def _fuzz(app, sio, namespace, event, args, ping):
    before = row_counts(app)
    ack = sio.emit(event, *args, namespace=namespace, callback=True)
    check_ack(ack, before, app, event, args)
    assert sio.is_connected(namespace)
    answer = sio.emit(*ping, namespace=namespace, callback=True)
    assert answer["ok"] is True, (event, args, answer)
    sio.get_received(namespace)  # drop what the events broadcast


@given(event=st.sampled_from(VISITOR_EVENTS + ["claim", "no_such_event"]), args=arguments)
def test_every_visitor_event_answers_any_input_with_ok_or_a_documented_code(
        fuzz_app, sockets, event, args):
    _fuzz(fuzz_app, sockets["visitor"], "/visitor", event, args,
          ("typing", {"typing": False}))


@given(event=st.sampled_from(AGENT_EVENTS + ["leave_message", "no_such_event"]),
       args=arguments)
def test_every_agent_event_answers_any_input_with_ok_or_a_documented_code(
        fuzz_app, sockets, event, args):
    _fuzz(fuzz_app, sockets["desk"], "/agent", event, args,
          ("presence", {"status": "online"}))


def test_the_fuzzed_event_lists_cover_the_protocol():
    """A new event is fuzzed without touching this file; these are the known ones."""
    assert {"message", "request_human", "typing", "read", "rate", "vote",
            "leave_message", "sync", "history", "profile"} <= set(VISITOR_EVENTS)
    assert {"open", "claim", "message", "note", "typing", "read", "transfer", "release",
            "close", "presence"} <= set(AGENT_EVENTS)


def test_every_error_code_kefu_sends_is_documented_in_protocol_md():
    """The code's list and protocol.md agree, so the fuzz tests check documented codes."""
    from kefu.config import PROJECT_ROOT

    doc = (PROJECT_ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    missing = sorted(code for code in ERROR_CODES if f"`{code}`" not in doc)
    assert missing == []


def test_every_error_code_raised_in_the_code_is_in_the_list():
    """A new ``ServiceError("...")`` code must be added to ERROR_CODES (and documented)."""
    import re

    from kefu.config import PROJECT_ROOT

    raised = set()
    for path in (PROJECT_ROOT / "kefu").rglob("*.py"):
        raised |= set(re.findall(r'(?:ServiceError|refused)\(\s*"([a-z_]+)"',
                                 path.read_text(encoding="utf-8")))
    assert raised and raised <= ERROR_CODES, sorted(raised - ERROR_CODES)
