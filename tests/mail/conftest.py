"""A real SMTP server on loopback (aiosmtpd) that records what it accepts."""

from __future__ import annotations

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # MAIL FROM and RCPT TO of each
        self.peers: list[tuple] = []  # the client's address and port: one per connection
        self.refused: set[str] = set()  # recipients refused at RCPT (550)
        self.hang_after: int | None = None  # accept this many, then hang (a stuck server)
        self.defer = 0  # answer 451 after DATA this many times (the sender must retry)
        self.deferred: list[email.message.EmailMessage] = []  # what came before each 451
        self.release = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address in self.refused:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.hang_after is not None and len(self.messages) >= self.hang_after:
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.defer > 0:
            self.defer -= 1
            self.deferred.append(message)
            return "451 4.3.0 Try again later"
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.peers.append(session.peer)
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.recorder.release.set()
            self.controller.stop()
            self.controller = None

    @property
    def messages(self):
        return self.recorder.messages

    @property
    def peers(self):
        return self.recorder.peers


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
