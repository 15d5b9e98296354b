"""The sender: what the recipient receives (headers, bodies, attachments, the same message on
a retry); one SMTP connection per share of a claimed batch, marks written together."""

import asyncio
import datetime as dt
import uuid

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.db import make_engine, migrate
from helpdesk.mail.sender import MailAttachment, MailSender, SentMarks, build_message
from helpdesk.mail.service import compose_mail
from helpdesk.mail.tables import OutboxMail
from helpdesk.web import make_environment
from tests.helpers import VALID_API
from tests.mail.test_outbox import mail_settings, sender_for


async def create_tickets_for(settings, emails: list[str]) -> None:
    settings.rate_limit_disabled = True
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        for address in emails:
            body = {**VALID_API, "requester": {**VALID_API["requester"], "email": address}}
            assert (await client.post("/api/v1/tickets", json=body)).status_code == 201


@pytest.mark.parametrize("connections", [1, 3])
async def test_a_batch_goes_out_over_one_connection_per_share(settings, smtp_server, connections):
    settings = mail_settings(settings, smtp_server)
    await create_tickets_for(settings, [f"parent{n}@example.fr" for n in range(7)])
    sender = sender_for(settings)
    sender.connections = connections
    assert await sender.run_once() == 7
    assert len(smtp_server.messages) == 7
    assert len(set(smtp_server.peers)) == connections
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 7
    assert await sender.run_once() == 0


async def test_after_a_refused_mail_the_next_one_gets_a_new_connection(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    smtp_server.recorder.refused = {"inconnu@example.fr"}
    await create_tickets_for(
        settings, ["parent1@example.fr", "inconnu@example.fr", "parent3@example.fr"]
    )
    sender = sender_for(settings)
    sender.connections = 1
    assert await sender.run_once() == 2
    assert [m["To"] for m in smtp_server.messages] == ["parent1@example.fr", "parent3@example.fr"]
    assert len(set(smtp_server.peers)) == 2
    refused = await OutboxMail.select().where(OutboxMail.recipient == "inconnu@example.fr")
    assert refused[0]["status"] == "pending" and refused[0]["attempts"] == 1
    assert "550" in refused[0]["last_error"]


async def test_marks_arriving_together_share_an_update_and_a_failure_reaches_each():
    updates = []

    async def slow_update(rows):
        updates.append([row["id"] for row in rows])
        await asyncio.sleep(0.05)

    marks = SentMarks(slow_update)
    await asyncio.gather(*(marks.add({"id": n}) for n in range(1, 5)))
    assert updates == [[1], [2, 3, 4]]  # the first alone, the others while it ran

    async def failing_update(rows):
        await asyncio.sleep(0.05)
        raise ConnectionError("base de données injoignable")

    marks = SentMarks(failing_update)
    results = await asyncio.gather(
        *(marks.add({"id": n}) for n in range(1, 4)), return_exceptions=True
    )
    assert all(isinstance(result, ConnectionError) for result in results)


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
    settings.mail_from = "Assistance ÉduConnect <ne-pas-repondre@assistance.localhost>"
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
    sender.connections = 1
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
