"""Helpers shared by the namespaces: safe acks and per-connection state."""
import functools
import logging

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace

from kefu.protocol import NO_PAYLOAD, fail
from kefu.services.errors import ServiceError

log = logging.getLogger(__name__)


def acked(handler):
    """Turn ServiceError into an error ack and any other failure into ``internal_error``.

    A handler must never raise: the client keeps its connection and learns what went
    wrong in the ack of the event it sent.
    """

    @functools.wraps(handler)
    def wrapper(self, *args):
        try:
            return handler(self, *args)
        except ServiceError as error:
            return fail(error)
        except Exception:
            log.exception("%s failed", handler.__name__)
            return fail(ServiceError("internal_error", "The server could not handle this event."))

    return wrapper


class ProtocolNamespace(Namespace):
    """A namespace whose every client event gets an ack of the documented shape.

    Events take one payload: an event sent with more arguments is answered with
    ``invalid_payload``, and an event this namespace does not know with
    ``unknown_event``, before any handler runs (python-socketio would otherwise raise
    TypeError in the handler or answer nothing).  An event sent with no argument at all
    reaches its handler as :data:`kefu.protocol.NO_PAYLOAD`, which field-less events
    accept and every other event refuses as not an object; an explicit ``null`` is not
    an object either.
    """

    LIFECYCLE = ("connect", "disconnect")

    def trigger_event(self, event, *args):
        if event in self.LIFECYCLE:
            return super().trigger_event(event, *args)
        sid, payload = args[0], args[1:]
        if not callable(getattr(self, f"on_{event}", None)):
            return fail(ServiceError("unknown_event",
                                     f"There is no event '{event}' on {self.namespace}."))
        if len(payload) > 1:
            return fail(ServiceError("invalid_payload",
                                     f"The '{event}' event takes one payload, "
                                     f"not {len(payload)}."))
        return super().trigger_event(event, sid, *(payload or (NO_PAYLOAD,)))


def save_connection(namespace: str, data: dict) -> None:
    """Remember who this socket is (per connection, in this process).

    Kept in the connection's WSGI environ, which Flask-SocketIO hands to every event of
    the connection (the Engine.IO session is not there under the test client).
    """
    request.environ.setdefault("kefu.connections", {})[namespace] = data


def connection(namespace: str) -> dict:
    """What :func:`save_connection` stored for this socket (empty if nothing)."""
    return request.environ.get("kefu.connections", {}).get(namespace, {})


def visitor_room(public_id: str) -> str:
    """Every socket of one visitor (several tabs) joins this room."""
    return f"visitor:{public_id}"


def refusing(handler):
    """For ``on_connect``: any failure refuses the connection with a ``{code, message}``.

    A ServiceError keeps its code; anything else is logged and becomes
    ``internal_error``, so a client never waits on a connect that silently died.
    """

    @functools.wraps(handler)
    def wrapper(self, *args):
        try:
            return handler(self, *args)
        except ConnectionRefusedError:
            raise
        except ServiceError as error:
            raise refused(error.code, error.message)
        except Exception:
            log.exception("%s failed", handler.__qualname__)
            raise refused("internal_error", "The server could not open this connection.")

    return wrapper


def logged(handler):
    """For ``on_disconnect``: log a failure instead of raising into the server loop."""

    @functools.wraps(handler)
    def wrapper(self, *args):
        try:
            return handler(self, *args)
        except Exception:
            log.exception("%s failed", handler.__qualname__)

    return wrapper


def refused(code: str, message: str) -> ConnectionRefusedError:
    """A refusal whose ``connect_error`` has ``data: {"code", "message"}``.

    python-socketio turns a single argument into a string ``message``; the second
    argument becomes ``data``, which socket.io-client exposes as ``err.data``.
    """
    return ConnectionRefusedError(message, {"code": code, "message": message})
