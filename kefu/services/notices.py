"""System notices: stored lines in the visitor's language that say what happened.

One constructor for every notice (handoff, queue place, offline, joined, released,
closed), so each carries ``extra.notice`` (its kind and parameters, for readers in
another language) and is written in the conversation's language
(:mod:`kefu.services.language`).
"""
from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services.language import notice_language


def system_notice(conversation: Conversation, kind: str, *, extra: dict | None = None,
                  **params) -> Message:
    """Add a notice of ``kind`` to the conversation (the caller commits).

    ``extra`` holds further machine-readable fields of the message (``reason``,
    ``queue``, ``offline``, ...); ``params`` fill in the text.  Message columns such as
    ``reply_to`` are set by the caller on the returned object.
    """
    text, notice = i18n.notice(kind, notice_language(conversation), **params)
    message = Message(conversation=conversation, sender="system", text=text,
                      extra={**(extra or {}), "notice": notice})
    db.session.add(message)
    return message
