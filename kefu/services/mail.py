"""Outgoing email over SMTP (``KEFU_MAIL_*``): password reset links, answers to left messages.

Mail is optional.  Without ``MAIL_SERVER`` :func:`configured` is false, nothing is
sent, and every page and the widget say that no email will come instead of promising
one.  Sending is synchronous: the caller learns at once whether the server took the
message (under eventlet or gevent the socket is cooperative, so nothing else waits).
"""
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from kefu.services.errors import ServiceError

log = logging.getLogger(__name__)


def configured() -> bool:
    """True when an SMTP server is set, so kefu can send email."""
    return bool(current_app.config.get("MAIL_SERVER"))


def send(to: str, subject: str, body: str) -> str:
    """Send a plain-text message to ``to``; returns its Message-ID.

    Raises ServiceError ``mail_failed`` when the server cannot be reached or refuses,
    so the caller can keep what it was about to mark done (a ticket stays open).
    """
    cfg = current_app.config
    if not configured():
        raise ServiceError("mail_failed", "No mail server is configured (KEFU_MAIL_SERVER).")
    message = EmailMessage()
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kefu")
    message.set_content(body)
    try:
        smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
        with smtp_class(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]),
                        timeout=cfg["MAIL_TIMEOUT"]) as smtp:
            if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail to %s failed: %s", to, error)
        raise ServiceError("mail_failed", "The mail server did not take the message; "
                                          "try again later.")
    return message["Message-ID"]


RESET = {
    "subject": "kefu: set your password · 设置密码",
    "body": ("你好 {name}，\n\n请打开以下链接设置新密码（{minutes} 分钟内有效，仅可使用一次）：\n{url}\n\n"
             "Hello {name},\n\nOpen this link to set a new password (it works once, for "
             "{minutes} minutes):\n{url}\n\n"
             "如果不是你本人操作，请忽略此邮件。 If you did not ask for this, ignore this email.\n"),
}
INVITE = {
    "subject": "kefu: your new account · 你的新账号",
    "body": ("你好 {name}，\n\n已为你创建 kefu 账号（{email}）。请打开以下链接设置密码（{minutes} 分钟内有效）：\n{url}\n\n"
             "Hello {name},\n\nA kefu account was made for you ({email}). Open this link to set "
             "your password (it works once, for {minutes} minutes):\n{url}\n"),
}
TICKET_REPLY = {
    "zh": ("回复：您的留言", "{name}，您好：\n\n{reply}\n\n—— {agent}\n\n您的留言：\n{text}\n"),
    "en": ("Re: your message", "Hello {name},\n\n{reply}\n\n— {agent}\n\nYou wrote:\n{text}\n"),
}


def send_password_link(user, url: str, *, invite=False) -> str:
    """Email ``user`` a link that sets their password (a reset, or a new account's first)."""
    template = INVITE if invite else RESET
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    return send(user.email, template["subject"],
                template["body"].format(name=user.name, email=user.email, url=url,
                                        minutes=minutes))


def send_ticket_reply(ticket, agent_name: str, lang: str) -> str:
    """Email a visitor the answer to the message they left, in their language."""
    subject, body = TICKET_REPLY.get(lang, TICKET_REPLY["en"])
    quoted = "\n".join("> " + line for line in ticket.text.splitlines())
    return send(ticket.email, subject, body.format(name=ticket.name, reply=ticket.reply_text,
                                                   agent=agent_name, text=quoted))
