"""Domain signals that the transport listens to, so domain code never imports it.

``sessions_revoked`` is sent with ``login_ids`` after a commit that ended login
sessions (password change, deactivation, "log out everywhere"); :mod:`kefu.realtime`
cuts the sockets opened under them, in every process.  ``chats_requeued`` is sent with
``conversation_ids`` after a commit that put an agent's chats back in the queue (the
agent was deactivated or left the desk roles); the transport tells agents and visitors
that the queue moved.  A plain logout is Flask-Login's own ``user_logged_out`` signal.
"""
from blinker import Namespace

signals = Namespace()

sessions_revoked = signals.signal("sessions-revoked")
chats_requeued = signals.signal("chats-requeued")
