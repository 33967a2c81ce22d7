"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""
import email
import email.policy
import time

from aiosmtpd.controller import Controller

from tests.live import free_port


class _Keep:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "message": message, "subject": message["Subject"],
                              "body": message.get_body(("plain",)).get_content()})
        return "250 Message accepted for delivery"


class SmtpServer:
    """``start()`` listens on 127.0.0.1 at a free port; ``messages`` is what arrived."""

    def __init__(self):
        self.port = free_port()
        self._handler = _Keep()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list:
        return self._handler.messages

    def config(self) -> dict:
        """The kefu settings that send mail through this server."""
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port,
                "MAIL_FROM": "kefu desk <desk@example.com>"}

    def wait_for(self, count=1, timeout=10.0) -> list:
        """Every message, once at least ``count`` have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
            time.sleep(0.02)
        return self.messages

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()
