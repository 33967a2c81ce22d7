"""The wire form of a stored message, shared by every service that answers with one."""
from kefu.models import Message
from kefu.services.markdown import message_html


def serialize_message(m: Message) -> dict:
    """The wire form of a message (``message`` event and acks)."""
    extra = m.extra or {}
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "sender": m.sender,
        "sender_name": m.sender_user.name if m.sender_user_id and m.sender_user else None,
        "text": m.text,
        "html": message_html(m.sender, m.text),
        "client_msg_id": m.client_msg_id,
        "created_at": m.created_at.isoformat(),
        "reply_to": m.reply_to,
        "intent": m.intent,
        "confidence": m.confidence,
        "action": m.bot_action,
        "suggestions": extra.get("suggestions", []),
        "quick_replies": extra.get("quick_replies", []),
        "links": extra.get("links", []),
        "notice": extra.get("notice") if m.sender == "system" else None,
        "while_waiting": bool(extra.get("while_waiting")),
        "offer_human": bool(extra.get("offer_human")),
        "offer_form": extra.get("form") if m.sender == "system" and extra.get("offered") else None,
        "helpful": m.helpful,  # the visitor's vote on a bot answer: true, false or null
    }
