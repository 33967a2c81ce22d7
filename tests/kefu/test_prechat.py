"""The optional pre-chat form (setting ``prechat_form``, off by default): an anonymous
visitor gives a name and email before the first message; ``profile`` validates and
stores them on the visitor."""
from kefu.extensions import db
from kefu.models import Visitor
from kefu.services.identity import user_hash
from tests.helpers import ack_error, put_setting, send, session_of


def profile(sio, **payload):
    return sio.emit("profile", payload, namespace="/visitor", callback=True)


def stored(app, public_id):
    with app.app_context():
        v = db.session.scalars(db.select(Visitor).where(Visitor.public_id == public_id)).one()
        return v.name, v.email


def test_the_form_is_off_by_default(visitor):
    assert session_of(visitor())["prechat"] is False


def test_with_the_setting_on_an_anonymous_visitor_is_asked_until_it_answers(app, visitor):
    put_setting(app, "prechat_form", True)
    sio = visitor()
    session = session_of(sio)
    assert session["prechat"] is True
    ack = profile(sio, name="  Mei  ", email="mei@example.com")
    assert ack == {"ok": True, "visitor": {"name": "Mei", "email": "mei@example.com"}}
    assert stored(app, session["visitor_id"]) == ("Mei", "mei@example.com")
    assert session_of(visitor(token=session["token"]))["prechat"] is False


def test_the_form_is_validated(app, visitor):
    put_setting(app, "prechat_form", True)
    sio = visitor()
    session = session_of(sio)
    assert ack_error(profile(sio, name="Mei", email="not-an-email")) == "invalid_email"
    assert ack_error(profile(sio, name="   ", email="mei@example.com")) == "empty_field"
    assert ack_error(profile(sio, name="Mei")) == "missing_field"
    assert ack_error(profile(sio, name="x" * 121, email="mei@example.com")) == "field_too_long"
    assert ack_error(profile(sio, name=7, email="mei@example.com")) == "invalid_type"
    assert ack_error(sio.emit("profile", None, namespace="/visitor", callback=True)) \
        == "invalid_payload"
    assert stored(app, session["visitor_id"]) == (None, None)


def test_a_name_given_in_the_form_reaches_the_agents_card(app, visitor, desk):
    put_setting(app, "prechat_form", True)
    sio = visitor()
    session_of(sio)
    conversation_id = send(sio, "hello")["message"]["conversation_id"]
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    agent = desk(name="Ann")
    agent.sio.get_received("/agent")
    assert profile(sio, name="Mei", email="mei@example.com")["ok"] is True
    cards = [e["args"][0] for e in agent.sio.get_received("/agent")
             if e["name"] == "conversation"]
    assert any(c["id"] == conversation_id and c["visitor"]["name"] == "Mei" for c in cards)


def test_a_verified_customer_is_never_asked_and_cannot_rename_itself(app, visitor):
    put_setting(app, "prechat_form", True)
    app.config["IDENTITY_SECRET"] = "s"
    sio = visitor(user={"id": "c1", "name": "Li", "hash": user_hash("s", "c1")})
    session = session_of(sio)
    assert session["prechat"] is False
    assert ack_error(profile(sio, name="Someone else", email="x@example.com")) == "invalid_state"
    assert stored(app, session["visitor_id"]) == ("Li", None)


def test_the_setting_is_a_boolean(desk):
    admin = desk(role="admin", name="Boss")
    bad = admin.http.put("/api/v1/settings/prechat_form", json={"value": "yes"},
                         headers={"X-CSRFToken": admin.csrf})
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_type"
    good = admin.http.put("/api/v1/settings/prechat_form", json={"value": True},
                          headers={"X-CSRFToken": admin.csrf})
    assert good.status_code == 200
