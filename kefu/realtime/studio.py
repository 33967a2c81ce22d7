"""The ``/studio`` namespace: training progress for the studio's models page (docs/protocol.md).

Editors and admins only; clients send nothing, they listen. A Retrain's
background task (started by the view) passes each step of the service's work
to :func:`progress`, which emits it to every studio page in every process
(through the message queue when there is one).
"""
from collections import deque

from flask import request, session
from flask_socketio import join_room

from kefu.concurrency import run_blocking
from kefu.extensions import socketio
from kefu.realtime.common import ProtocolNamespace, refused, refusing
from kefu.security import same_origin_or_allowed
from kefu.services import model_versions
from kefu.services.errors import ServiceError

NAMESPACE = "/studio"
ROOM = "studio"


class StudioNamespace(ProtocolNamespace):
    """Listen-only: ``training`` while a model trains, ``trained`` when it is done."""

    @refusing
    def on_connect(self, auth=None):
        if not same_origin_or_allowed(request.headers.get("Origin")):
            raise refused("bad_origin", "Pages from this origin may not open the studio.")
        login_id = session.get("_user_id")
        if login_id is None:
            raise refused("unauthorized", "Log in as an editor first.")
        try:
            run_blocking(model_versions.editor_of_login, login_id)
        except ServiceError as error:
            raise refused(error.code, error.message)
        join_room(ROOM)


def progress(step: dict) -> None:
    """Tell every studio page how far the training is."""
    socketio.emit("training", step, namespace=NAMESPACE, to=ROOM)


def train_in_background(app, version_id: int) -> None:
    """Run the claimed training in a real thread; a green task relays its steps as events.

    The training (child processes, database writes) runs in the thread pool, so
    the event loop never waits on it; its steps cross into the loop through a
    deque (append and popleft need no lock, whichever threads call them), and only
    the loop's own task emits.
    """
    steps, outcome = deque(), {}

    def work():
        try:
            with app.app_context():
                outcome["result"] = run_blocking(model_versions.run_training, version_id,
                                                 steps.append)
        finally:
            outcome.setdefault("result", {"version": version_id, "status": "failed",
                                          "error": "the training stopped"})

    def relay():
        while "result" not in outcome or steps:
            if steps:
                progress(steps.popleft())
            else:
                socketio.sleep(0.2)
        socketio.emit("trained", outcome["result"], namespace=NAMESPACE, to=ROOM)

    socketio.start_background_task(work)
    socketio.start_background_task(relay)
