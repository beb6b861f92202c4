"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the e-mail tests: it keeps what
it accepts, and can refuse a recipient or a message as told."""

from __future__ import annotations

import email
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from harness.servers import free_port


class Recorder:
    """aiosmtpd handler: keeps what it accepts; replies as told to RCPT and DATA."""

    def __init__(self, rcpt_reply: str | None = None, data_reply: str = "250 OK"):
        self.rcpt_reply, self.data_reply = rcpt_reply, data_reply
        self.received: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.received.append(envelope.content)
        return self.data_reply


@contextmanager
def smtp_server(handler: Recorder, **smtp_parameters) -> Iterator[int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **smtp_parameters)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)
