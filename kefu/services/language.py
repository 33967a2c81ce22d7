"""Which language kefu speaks to a visitor in: one rule for every system notice.

The language of a conversation is the language of the visitor's latest message, as the
bot detects it (a message without letters keeps the language so far); before any
message it is the widget's locale.  So a visitor on an English widget who types
"转人工" gets every notice (handoff, queue, offline, joined, transfer, release, close)
in Chinese.  It is stored on the conversation, so every process and path reads the same.
"""
from kefu import i18n
from kefu.models import Conversation
from kefu.services.bot_bridge import message_language


def notice_language(conversation: Conversation) -> str:
    """The language of ``conversation``'s system notices."""
    return language_of(conversation.language, conversation.visitor.locale)


def language_of(language: str | None, locale: str) -> str:
    """A conversation's language from its columns: its own, else its visitor's locale."""
    return language or i18n.pick_language(locale)


def note_visitor_text(conversation: Conversation, text: str) -> None:
    """A visitor wrote ``text``: notices follow its language from now on."""
    conversation.language = after_visitor_text(conversation.language,
                                               conversation.visitor.locale, text)


def after_visitor_text(language: str | None, locale: str, text: str) -> str:
    """The conversation's language once the visitor wrote ``text``, from its columns
    (``language``, the visitor's ``locale``): the rule of both write paths."""
    return message_language(text, language_of(language, locale))
