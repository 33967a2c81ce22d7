"""Small helpers shared by tests: reading events from test clients, making data."""
import itertools

from kefu.cli import create_user

_ids = itertools.count(1)


def _payload(event):
    # Flask-SocketIO's test client keeps the payload of events named "message" (and
    # "json") as is, and a list of arguments for every other event.
    if event["name"] in ("message", "json"):
        return event["args"]
    return event["args"][0] if event["args"] else None


def events(sio, name, namespace="/visitor"):
    """Payloads of every ``name`` event the test client received since the last call."""
    return [_payload(e) for e in sio.get_received(namespace) if e["name"] == name]


def received(sio, namespace="/visitor"):
    """All events received since the last call, as (name, payload) pairs."""
    return [(e["name"], _payload(e)) for e in sio.get_received(namespace)]


def session_of(sio):
    """The ``session`` event a visitor got on connect."""
    sessions = events(sio, "session")
    assert len(sessions) == 1, sessions
    return sessions[0]


def send(sio, text, client_msg_id=None, namespace="/visitor", **extra):
    """Emit a visitor ``message`` and return its ack."""
    payload = {"client_msg_id": client_msg_id or f"m{next(_ids)}", "text": text, **extra}
    return sio.emit("message", payload, namespace=namespace, callback=True)


def make_user(app, role="agent", email=None, password="correct horse battery", name=None,
              active=True):
    """Create a user and return (id, email, password)."""
    email = email or f"{role}{next(_ids)}@example.com"
    with app.app_context():
        from kefu.extensions import db

        user, _ = create_user(email, name or role.title(), role, password)
        user.active = active
        db.session.commit()
        return user.id, email, password


def csrf_token(client, path="/auth/login"):
    """The CSRF token from the hidden input of the form at ``path``."""
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, email, password):
    """Log ``client`` in through the real form; returns the session's CSRF token."""
    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": email, "password": password,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return token


def ack_error(ack):
    """The error code of a failed ack."""
    assert ack["ok"] is False, ack
    return ack["error"]["code"]


def set_active(app, user_id, active):
    """Activate or deactivate a user."""
    with app.app_context():
        from kefu.extensions import db
        from kefu.models import User

        db.session.get(User, user_id).active = active
        db.session.commit()


def put_setting(app, key, value):
    """Change a desk setting."""
    with app.app_context():
        from kefu.services import settings

        settings.put(key, value)
