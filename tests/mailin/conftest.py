"""The app on each database, its receiver listening on a free loopback port, and the mails a
parent's mail client would send to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.mail.sender import build_message
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin.receiver import MailReceiver
from helpdesk.tickets.tables import Ticket, TicketEvent
from tests.helpers import api_ticket
from tests.mail.conftest import free_port, smtp_server  # noqa: F401 (smtp_server: a fixture here too)

DOMAIN = "assistance.test"
PARENT = "claire.martin@example.fr"


@dataclass
class MailIn:
    client: AsyncTestClient
    state: object
    port: int

    async def send(self, message: EmailMessage | bytes, to: list[str] | None = None) -> None:
        """Over SMTP, as a mail server relays it; SMTP errors are raised."""
        if isinstance(message, bytes):
            await aiosmtplib.send(
                message,
                sender=PARENT,
                recipients=to or [],
                hostname="127.0.0.1",
                port=self.port,
                timeout=30,
            )
        else:
            await aiosmtplib.send(
                message, recipients=to, hostname="127.0.0.1", port=self.port, timeout=30
            )

    async def ticket(self, status: str = "") -> dict:
        """A parent's request made through the API, in the given status."""
        reference = await api_ticket(self.client)
        if status:
            await Ticket.update({Ticket.status: status}).where(Ticket.reference == reference)
        return await Ticket.select().where(Ticket.reference == reference).first()

    async def sent_mail(self, reference: str) -> EmailMessage:
        """The last mail of the ticket as the parent receives it."""
        row = (
            await OutboxMail.select()
            .where(OutboxMail.ticket_reference == reference)
            .order_by(OutboxMail.id, ascending=False)
            .first()
        )
        return build_message(self.state.settings, row)


def reply(original: EmailMessage, text: str, **headers: str) -> EmailMessage:
    """What a mail client writes when the parent answers: to the Reply-To, threaded, quoted."""
    message = EmailMessage()
    message["From"] = f"Claire Martin <{PARENT}>"
    message["To"] = str(original["Reply-To"])
    message["Subject"] = f"Re: {original['Subject']}"
    message["Message-ID"] = make_msgid(domain="example.fr")
    message["In-Reply-To"] = str(original["Message-ID"])
    message["References"] = f"{original['References']} {original['Message-ID']}"
    for name, value in headers.items():
        del message[name.replace("_", "-")]
        message[name.replace("_", "-")] = value
    quoted = "\n".join(
        f"> {line}" for line in original.get_body(("plain",)).get_content().splitlines()
    )
    message.set_content(f"{text}\n\nLe 4 décembre 2026 à 10:00, Assistance a écrit :\n{quoted}\n")
    return message


async def messages_of(ticket_id: int) -> list[dict]:
    return (
        await TicketEvent.select()
        .where((TicketEvent.ticket == ticket_id) & (TicketEvent.kind == "message"))
        .order_by(TicketEvent.id)
    )


@pytest.fixture
async def mailin(settings) -> AsyncIterator[MailIn]:
    settings = settings.with_changes(mailin={"domain": DOMAIN}, rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        receiver = MailReceiver(app.state, "127.0.0.1", free_port())
        await receiver.start()
        try:
            yield MailIn(client, app.state, receiver.port)
        finally:
            await receiver.stop()
