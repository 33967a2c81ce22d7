"""An agent's socket arriving, leaving or changing status, and what that sets in motion.

Presence feeds auto-assignment and every waiting visitor's expected wait, so each of
these ends with :func:`kefu.services.assignment.settle`: the claims it made, the new
queue and the presence list come back in one outcome for the transport to send.
"""
from kefu.services import assignment, presence, presenters, supervision
from kefu.services.outcomes import Outcome


def connect(sid: str, login_id) -> Outcome:
    """Open a desk socket under browser login ``login_id``; the ``hello`` is in the ack.

    Raises ServiceError (``unauthorized``, ``session_revoked``, ``forbidden``) for a
    login that may not use the desk.
    """
    me = presence.desk_user_of_login(login_id)
    presence.connect(sid, me["id"], login_id)
    hello = {"me": me, "queue": presenters.queue_cards(),
             "mine": presenters.mine_cards(me["id"]), "agents": presence.agent_list(),
             "bot_chats": supervision.bot_cards()}
    return assignment.settle(Outcome(ack={"me": me, "hello": hello}))


def disconnect(sid: str, user_id) -> Outcome:
    """Forget a closed socket; a known agent's leaving changes presence and the queue."""
    presence.disconnect(sid)
    if user_id is None:
        return Outcome()
    return assignment.settle(Outcome())


def set_status(sid: str, status: str) -> Outcome:
    """Set one socket's status (``online`` or ``away``)."""
    presence.set_status(sid, status)
    return assignment.settle(Outcome(ack={"status": status}))
