"""Identity validation: a host site names its signed-in customer with an HMAC of the
customer's id; only a valid one is trusted, links devices, and fills {visitor_name}
(docs/widget.md, "Identity")."""
import pytest
import socketio

from kefu.extensions import db
from kefu.models import Visitor
from kefu.services.errors import ServiceError
from kefu.services.identity import user_hash, verify
from tests.helpers import send, session_of
from tests.live import LIVE_IDENTITY_SECRET

SECRET = "test-identity-secret"


@pytest.fixture
def signing(app):
    app.config["IDENTITY_SECRET"] = SECRET
    return app


def user(user_id="cust-42", name="李雷", email="lilei@example.com", secret=SECRET, **extra):
    return {"id": user_id, "name": name, "email": email,
            "hash": user_hash(secret, user_id), **extra}


def visitors_of(app, external_id):
    with app.app_context():
        return db.session.scalars(db.select(Visitor).where(
            Visitor.external_id == external_id)).all()


def test_the_hash_is_hmac_sha256_of_the_user_id_in_hex():
    import hashlib
    import hmac

    assert user_hash("k", "42") == hmac.new(b"k", b"42", hashlib.sha256).hexdigest()
    assert len(user_hash("k", "42")) == 64


def test_a_verified_customer_is_named_for_agents_and_in_canned_replies(signing, visitor, desk):
    sio = visitor(user=user())
    session = session_of(sio)
    assert session["identified"] is True
    conversation_id = send(sio, "where is my parcel")["message"]["conversation_id"]
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    agent = desk(name="Ann")
    detail = agent.call("open", {"conversation_id": conversation_id})["conversation"]
    assert detail["visitor"]["name"] == "李雷"
    assert detail["visitor_details"]["name"] == "李雷"
    assert detail["visitor_details"]["email"] == "lilei@example.com"
    assert detail["visitor_details"]["verified"] is True
    admin = desk(role="admin", name="Boss")
    assert admin.http.post("/api/v1/canned", json={"shortcut": "hi", "text": "您好 {visitor_name}"},
                           headers={"X-CSRFToken": admin.csrf}).status_code in (200, 201)
    canned = agent.http.get(f"/api/v1/canned?conversation_id={conversation_id}").get_json()
    assert [c["rendered"] for c in canned["canned"]] == ["您好 李雷"]


def test_the_same_customer_on_two_devices_is_one_visitor_with_one_chat(signing, visitor):
    phone = visitor(user=user())
    phone_session = session_of(phone)
    conversation_id = send(phone, "I ordered shoes")["message"]["conversation_id"]
    laptop = visitor(user=user())  # another browser: no token of its own
    laptop_session = session_of(laptop)
    assert laptop_session["visitor_id"] == phone_session["visitor_id"]
    assert laptop_session["conversation_id"] == conversation_id
    assert [m["text"] for m in laptop_session["messages"]][0] == "I ordered shoes"
    assert len(visitors_of(signing, "cust-42")) == 1


def test_an_anonymous_chat_on_the_same_browser_is_never_merged_into_the_customer(
        signing, visitor):
    anonymous = visitor()
    before = session_of(anonymous)
    send(anonymous, "a question before signing in")
    session = session_of(visitor(token=before["token"], user=user()))
    assert session["visitor_id"] != before["visitor_id"]
    assert session["messages"] == []  # the customer's visitor holds none of it
    # The anonymous visitor keeps its chat and stays anonymous.
    again = session_of(visitor(token=before["token"]))
    assert again["visitor_id"] == before["visitor_id"] and again["identified"] is False
    assert again["messages"][0]["text"] == "a question before signing in"


def test_a_forged_hash_is_refused_and_changes_no_visitor(signing, visitor):
    anonymous = visitor()
    session = session_of(anonymous)
    send(anonymous, "hello")
    forged = visitor(token=session["token"], user=user(hash="0" * 64))
    assert not forged.is_connected("/visitor")
    other_secret = visitor(user=user(secret="a-guess"))
    assert not other_secret.is_connected("/visitor")
    assert visitors_of(signing, "cust-42") == []
    with signing.app_context():
        me = db.session.scalars(db.select(Visitor).where(
            Visitor.public_id == session["visitor_id"])).one()
        assert (me.external_id, me.name, me.email) == (None, None, None)
    # The same anonymous visitor goes on as before, without the identity.
    assert session_of(visitor(token=session["token"]))["visitor_id"] == session["visitor_id"]


def test_a_forgery_never_reaches_a_real_customers_chat(signing, visitor):
    real = visitor(user=user())
    send(real, "my card ends in 1234")
    thief = visitor(user=user(hash=user_hash(SECRET, "cust-43")))  # a valid hash, another id
    assert not thief.is_connected("/visitor")
    assert len(visitors_of(signing, "cust-42")) == 1


def test_without_an_identity_secret_every_identity_is_refused(app, visitor):
    app.config["IDENTITY_SECRET"] = None
    assert not visitor(user=user()).is_connected("/visitor")
    assert visitors_of(app, "cust-42") == []
    with app.app_context(), pytest.raises(ServiceError) as refused:
        verify("cust-42", None, None, user_hash(SECRET, "cust-42"))
    assert refused.value.code == "identity_not_configured"
    assert session_of(visitor())["identified"] is False  # anonymous chats still work


def test_a_customers_token_without_the_identity_is_refused(signing, visitor):
    """After signing out of the host site, the next person at the browser starts afresh."""
    token = session_of(visitor(user=user()))["token"]
    assert not visitor(token=token).is_connected("/visitor")
    assert visitor(token=token, user=user()).is_connected("/visitor")


def test_a_malformed_identity_is_refused(signing, visitor):
    for bad in ("cust-42", {"id": "cust-42"}, {"hash": "0" * 64}, {"id": 42, "hash": user_hash(SECRET, "42")},
                user(email="not an email"), user(name="x" * 121), user(hash="g" * 65)):
        assert not visitor(user=bad).is_connected("/visitor"), bad
    assert visitors_of(signing, "cust-42") == []


def test_the_live_server_refuses_a_forgery_with_its_code(live_server):
    def refusal(auth):
        client = socketio.Client()
        codes = []
        client.on("connect_error", lambda data: codes.append(data), namespace="/visitor")
        try:
            client.connect(live_server.url, namespaces=["/visitor"], auth=auth,
                           transports=["websocket"], wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return codes[0]["data"]["code"]
        finally:
            client.disconnect()
        return None

    assert refusal({"user": user(secret="guessed")}) == "invalid_identity"
    assert refusal({"user": {"id": "cust-42"}}) == "invalid_identity"
    good = socketio.SimpleClient()
    good.connect(live_server.url, namespace="/visitor", transports=["websocket"],
                 auth={"user": user(user_id="live-7", secret=LIVE_IDENTITY_SECRET)})
    try:
        name, session = good.receive(timeout=10)
        assert name == "session" and session["identified"] is True
    finally:
        good.disconnect()
    assert refusal({"token": session["token"]}) == "identity_required"
