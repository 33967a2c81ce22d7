"""A chat closed just before a reload still asks for its rating (``session.rate_pending``):
the visitor who reloads the page at the close is asked once, and not again once rated,
once a new chat is open, or a day after the close."""
from datetime import timedelta

from kefu.extensions import db
from kefu.models import Conversation
from tests.helpers import ack_error, send, session_of
from tests.kefu.test_visitor_earlier import closed_chat


def rate(sio, rating):
    return sio.emit("rate", {"rating": rating}, namespace="/visitor", callback=True)


def reload(visitor, sio, token):
    sio.disconnect("/visitor")
    return visitor(token=token)


def test_a_reload_after_the_close_asks_for_the_rating_until_it_is_given(visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    closed = closed_chat(sio, desk, "where is my parcel")

    sio = reload(visitor, sio, token)
    assert session_of(sio)["rate_pending"] == closed
    assert rate(sio, 4)["ok"] is True

    sio = reload(visitor, sio, token)
    assert session_of(sio)["rate_pending"] is None
    assert ack_error(rate(sio, 5)) == "already_rated"


def test_no_prompt_once_a_new_chat_is_open(visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    closed_chat(sio, desk, "first question")
    send(sio, "a new question")
    assert session_of(reload(visitor, sio, token))["rate_pending"] is None


def test_no_prompt_a_day_after_the_close(app, visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    closed = closed_chat(sio, desk, "where is my parcel")
    with app.app_context():
        chat = db.session.get(Conversation, closed)
        chat.closed_at -= timedelta(seconds=app.config["RATING_PROMPT_SECONDS"] + 60)
        db.session.commit()
    assert session_of(reload(visitor, sio, token))["rate_pending"] is None


def test_a_visitor_who_never_chatted_is_not_asked(visitor):
    assert session_of(visitor())["rate_pending"] is None
