"""The sender: what the recipient receives (headers, bodies, attachments, the same message on
a retry); a batch over one SMTP connection or shared between several, each mail marked sent once
the server took it."""

import asyncio
import datetime as dt
import uuid

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.db import make_engine, migrate
from helpdesk.core.web import make_environment
from helpdesk.mail.sender import MailAttachment, MailSender, build_message
from helpdesk.mail.service import compose_mail
from helpdesk.mail.tables import OutboxMail
from tests.helpers import VALID_API
from tests.mail.test_outbox import mail_settings, sender_for


async def create_tickets_for(settings, emails: list[str]) -> None:
    settings = settings.with_changes(rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        for address in emails:
            body = {**VALID_API, "requester": {**VALID_API["requester"], "email": address}}
            assert (await client.post("/api/v1/tickets", json=body)).status_code == 201


async def test_a_batch_reaches_the_server_once_each_over_one_connection(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    settings = settings.with_changes(smtp={"connections": 1})
    addresses = [f"parent{n}@example.fr" for n in range(7)]
    await create_tickets_for(settings, addresses)
    sender = sender_for(settings)
    assert await sender.run_once() == 7
    assert [m["To"] for m in smtp_server.messages] == addresses  # in the order they were queued
    # The mail server sees one connection for the batch, not one for each mail.
    assert len(set(smtp_server.peers)) == 1
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 7
    assert await sender.run_once() == 0


async def test_a_batch_over_several_connections_reaches_the_server_once_each(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    assert settings.smtp.connections == 4  # the default
    addresses = [f"parent{n}@example.fr" for n in range(20)]
    await create_tickets_for(settings, addresses)
    sender = sender_for(settings)
    assert await sender.run_once() == 20
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 20  # none twice, none lost
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(addresses)
    # The mail server sees four connections at work, each for a share: not one for each mail.
    assert len(set(smtp_server.peers)) == 4
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 20
    assert await sender.run_once() == 0


async def test_over_several_connections_each_recipient_gets_its_mails_in_order(
    settings, smtp_server
):
    settings = mail_settings(settings, smtp_server)
    addresses = ["parent1@example.fr", "parent2@example.fr", "parent1@example.fr"]
    addresses += [f"autre{n}@example.fr" for n in range(6)] + ["parent1@example.fr"]
    await create_tickets_for(settings, addresses)
    written = [
        row["subject"]
        for row in await OutboxMail.select(OutboxMail.subject)
        .where(OutboxMail.recipient == "parent1@example.fr")
        .order_by(OutboxMail.id)
    ]
    assert await sender_for(settings).run_once() == len(addresses)
    received = [m["Subject"] for m in smtp_server.messages if m["To"] == "parent1@example.fr"]
    assert received == written and len(written) == 3
    assert len(set(smtp_server.peers)) == 4  # the others still shared the work


async def test_a_refused_mail_stays_pending_and_the_others_go(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    settings = settings.with_changes(smtp={"connections": 1})
    smtp_server.recorder.refused = {"inconnu@example.fr"}
    await create_tickets_for(
        settings, ["parent1@example.fr", "inconnu@example.fr", "parent3@example.fr"]
    )
    sender = sender_for(settings)
    assert await sender.run_once() == 2
    assert [m["To"] for m in smtp_server.messages] == ["parent1@example.fr", "parent3@example.fr"]
    refused = await OutboxMail.select().where(OutboxMail.recipient == "inconnu@example.fr")
    assert refused[0]["status"] == "pending" and refused[0]["attempts"] == 1
    assert "550" in refused[0]["last_error"]
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 2


async def test_over_several_connections_a_refused_mail_stays_pending_and_the_others_go(
    settings, smtp_server
):
    settings = mail_settings(settings, smtp_server)
    smtp_server.recorder.refused = {"inconnu@example.fr"}
    addresses = [f"parent{n}@example.fr" for n in range(8)]
    await create_tickets_for(settings, addresses[:3] + ["inconnu@example.fr"] + addresses[3:])
    sender = sender_for(settings)
    assert await sender.run_once() == 8
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 8
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(addresses)
    refused = await OutboxMail.select().where(OutboxMail.recipient == "inconnu@example.fr")
    assert refused[0]["status"] == "pending" and refused[0]["attempts"] == 1
    assert "550" in refused[0]["last_error"]
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 8


@pytest.mark.parametrize("connections", [1, 4])
async def test_a_stuck_server_never_keeps_a_sender_past_its_lease(
    settings, smtp_server, connections
):
    """Once its lease may have ended, another sender may hold the same mails: the sender stops
    trying and leaves the rest of its batch, claimed again when the lease ends."""
    settings = mail_settings(settings, smtp_server)
    settings = settings.with_changes(
        smtp={"connections": connections, "timeout_seconds": 0.3}, mail={"lease_seconds": 1.0}
    )
    await create_tickets_for(settings, [f"parent{n}@example.fr" for n in range(20)])
    smtp_server.recorder.hang_after = 0  # every mail waits for an answer that never comes
    sender = sender_for(settings)
    assert await sender.run_once() == 0
    rows = await OutboxMail.select(OutboxMail.status, OutboxMail.attempts)
    tried = [row for row in rows if row["attempts"] == 1]
    assert all(row["status"] == "pending" for row in tried)
    left = [row for row in rows if row["attempts"] == 0]
    assert left and all(row["status"] == "sending" for row in left)
    assert len(tried) + len(left) == 20
    # The lease ended: the server is back, and every mail goes out once.
    smtp_server.recorder.hang_after = None
    smtp_server.recorder.release.set()
    await asyncio.sleep(1.0)
    settings = settings.with_changes(mail={"lease_seconds": 300})
    assert await sender_for(settings).run_once() == 20
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        f"parent{n}@example.fr" for n in range(20)
    )


SUBJECT = (
    "Réponse à votre demande OT-2026-000123 : « date de naissance » corrigée "
    + "très " * 20
    + "fin"
)
TEXT = (
    "Bonjour Claire,\n\nVotre demande est enregistrée.\n.\nUne ligne = avec égal   \n"
    + "mot " * 60
    + "\n"
)
HTML = "<p>Bonjour Claire,</p>\n<p>Unicode : ✓ — « guillemets »&nbsp;!</p>\n"


def content(part) -> str:
    """A text part as the recipient reads it (the line ends of the wire made Python's)."""
    return part.get_content().replace("\r\n", "\n")


async def outbox_row(settings, **values) -> dict:
    """A mail put in the outbox as compose_mail would, with the given values."""
    await migrate(make_engine(settings.database_url))
    row = {
        "recipient": "claire.martin@example.fr",
        "subject": SUBJECT,
        "text_body": TEXT,
        "html_body": HTML,
        "message_id": f"<{uuid.uuid4().hex}@assistance.localhost>",
        "kind": "test",
        "created_at": dt.datetime(2026, 11, 25, 19, 30, tzinfo=dt.UTC),
        **values,
    }
    await OutboxMail.insert(OutboxMail(**row))
    return row


async def test_the_recipient_reads_headers_and_bodies_as_written(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    settings = settings.with_changes(
        mail={"from_address": "Assistance ÉduConnect <ne-pas-repondre@assistance.localhost>"}
    )
    row = await outbox_row(settings)
    assert await sender_for(settings).run_once() == 1
    [message] = smtp_server.messages
    assert message["From"].addresses[0].display_name == "Assistance ÉduConnect"
    assert message["From"].addresses[0].addr_spec == "ne-pas-repondre@assistance.localhost"
    assert message["To"] == "claire.martin@example.fr"
    assert message["Subject"] == SUBJECT  # accents and guillemets decoded, one line again
    assert message["Message-ID"] == row["message_id"]
    assert message["Date"].datetime == row["created_at"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert content(message.get_body(preferencelist=("plain",))) == TEXT
    assert content(message.get_body(preferencelist=("html",))) == HTML
    assert smtp_server.recorder.envelopes == [
        ("ne-pas-repondre@assistance.localhost", ["claire.martin@example.fr"])
    ]
    raw = message.as_bytes()
    assert raw.isascii() and max(map(len, raw.splitlines())) <= 78  # 7 bit, folded lines


async def test_a_mail_without_html_is_plain_text(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    await outbox_row(settings, html_body="", text_body="Pas de fin de ligne")
    assert await sender_for(settings).run_once() == 1
    [message] = smtp_server.messages
    assert message.get_content_type() == "text/plain"
    assert content(message) == "Pas de fin de ligne\n"


async def test_a_retry_sends_the_same_message(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    row = await outbox_row(settings)
    smtp_server.recorder.defer = 1  # the server takes the mail, then says "try again later"
    sender = sender_for(settings)
    assert await sender.run_once() == 0
    [stored] = await OutboxMail.select().where(OutboxMail.message_id == row["message_id"])
    assert stored["status"] == "pending" and "451" in stored["last_error"]
    await asyncio.sleep(0.05)  # past the (tiny) backoff
    assert await sender.run_once() == 1
    [first], [retry] = smtp_server.recorder.deferred, smtp_server.messages
    for name in ("Message-ID", "Date", "Subject", "From", "To"):
        assert retry[name] == first[name]
    assert retry["Message-ID"] == row["message_id"]
    assert content(retry.get_body(("plain",))) == content(first.get_body(("plain",))) == TEXT


async def test_a_pdf_letter_arrives_intact(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    row = await outbox_row(settings)
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\r\n.\r\n%%EOF\n"
    letter = MailAttachment("courrier-élève.pdf", "application/pdf", pdf)
    message = build_message(settings, {**row, "id": 1}, attachments=[letter])
    sender = sender_for(settings)
    smtp = await sender.connect()
    await sender.send(smtp, message)
    await smtp.quit()
    [received] = smtp_server.messages
    assert received.get_content_type() == "multipart/mixed"
    assert content(received.get_body(preferencelist=("plain",))) == TEXT
    assert content(received.get_body(preferencelist=("html",))) == HTML
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "courrier-élève.pdf"
    assert attachment.get_content() == pdf


async def test_a_line_break_in_a_subject_never_adds_a_header(settings, smtp_server):
    """Written in the outbox by hand, such a subject is refused by the email package: the
    mail is not sent, the others are. Through compose_mail, it becomes one line."""
    settings = mail_settings(settings, smtp_server)
    injected = "Votre demande\r\nBcc: espion@example.org\r\nX-Injecte: oui"
    bad = await outbox_row(settings, subject=injected)
    await outbox_row(settings, recipient="paul.durand@example.fr")
    sender = sender_for(settings)
    assert await sender.run_once() == 1
    [stored] = await OutboxMail.select().where(OutboxMail.message_id == bad["message_id"])
    assert stored["status"] == "pending" and "ValueError" in stored["last_error"]
    composed = compose_mail(
        make_environment(settings=settings),
        settings,
        to="claire.martin@example.fr",
        subject=injected,
        template="notification_agent",
        context={"ticket": {"reference": "OT-2026-000123"}, "url": "http://x"},
        kind="test",
    )
    await outbox_row(settings, **composed)
    await asyncio.sleep(0.05)
    assert await sender.run_once() == 1
    received = smtp_server.messages[-1]
    assert received["Subject"] == "Votre demande Bcc: espion@example.org X-Injecte: oui"
    assert "Bcc" not in received and "X-Injecte" not in received
    assert all(
        rcpt == ["claire.martin@example.fr"] or rcpt == ["paul.durand@example.fr"]
        for _, rcpt in smtp_server.recorder.envelopes
    )


async def test_a_non_ascii_address_is_sent_with_smtputf8(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    await outbox_row(settings, recipient="élise.müller@exemple.fr")
    assert await sender_for(settings).run_once() == 1
    [message] = smtp_server.messages
    assert message["To"] == "élise.müller@exemple.fr"
    assert smtp_server.recorder.envelopes[0][1] == ["élise.müller@exemple.fr"]


async def test_claimed_rows_read_as_piccolo_reads_them(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    await create_tickets_for(settings, ["parent1@example.fr", "parent2@example.fr"])
    sender = sender_for(settings)
    claimed = await sender.claim()
    stored = await OutboxMail.select().order_by(OutboxMail.id)
    assert [row["status"] for row in stored] == ["sending", "sending"]
    leased = ("status", "lease_until")
    assert [{k: v for k, v in row.items() if k not in leased} for row in claimed] == [
        {k: v for k, v in row.items() if k not in leased} for row in stored
    ]
    assert all(isinstance(row["created_at"], dt.datetime) for row in claimed)


async def test_senders_running_at_once_send_each_mail_once_and_skip_none(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    await create_tickets_for(settings, [f"parent{n}@example.fr" for n in range(12)])
    sender_for(settings)  # as in a process: one engine, bound to the tables
    # Each takes a part: claims run while the others send.
    senders = [MailSender(settings, batch_size=3) for _ in range(3)]
    total = 0
    while sent := sum(await asyncio.gather(*(sender.run_once() for sender in senders))):
        total += sent
    assert total == 12
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 12
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 12
