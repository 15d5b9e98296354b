"""The sender: one SMTP connection per share of a claimed batch, marks written together."""

import asyncio
import datetime as dt
import email
import email.policy

import pytest
from aiosmtplib.email import flatten_message
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.mail.sender import MailSender, SentMarks, build_message, message_bytes
from helpdesk.mail.tables import OutboxMail
from helpdesk.settings import Settings
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


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"subject": "Demande OT-2026-000001 : plain ASCII"},
        {"subject": "Réponse à votre demande " + "très longue " * 20},
        {"html_body": ""},
        {"text_body": "Ligne avec espaces   \n.\nUne ligne = avec égal\n" + "mot " * 60 + "\n"},
        {"text_body": "Pas de fin de ligne", "html_body": "<p>Unicode : ✓ — « guillemets »</p>"},
    ],
)
def test_the_message_written_directly_reads_as_the_email_package_builds_it(changes):
    settings = Settings(mail_from="Assistance ÉduConnect <ne-pas-repondre@assistance.localhost>")
    row = {
        "recipient": "claire.martin@example.fr",
        "subject": "Votre demande OT-2026-000123 est enregistrée",
        "message_id": "<0123456789abcdef@assistance.localhost>",
        "created_at": dt.datetime(2026, 11, 25, 19, 30, tzinfo=dt.UTC),
        "text_body": "Bonjour Claire,\n\nVotre demande est enregistrée.\n",
        "html_body": "<p>Bonjour Claire,</p>\n<p>Votre demande est enregistrée&nbsp;!</p>\n",
        **changes,
    }
    ours = parsed(message_bytes(settings, row))
    theirs = parsed(flatten_message(build_message(settings, row)))
    for name in ("From", "To", "Subject", "Message-ID", "Date", "Auto-Submitted"):
        assert str(ours[name]) == str(theirs[name])
    assert ours.get_content_type() == theirs.get_content_type()
    for kind in ("plain", "html"):
        mine, reference = (m.get_body(preferencelist=(kind,)) for m in (ours, theirs))
        assert (mine is None) == (reference is None)
        if mine is not None:
            assert mine.get_content() == reference.get_content()


def test_a_non_ascii_address_is_left_to_the_email_package():
    row = {"recipient": "élise@exemple.fr", "subject": "s", "message_id": "<a@b>"}
    assert message_bytes(Settings(), row) is None


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
    engine = sender_for(settings).engine  # as in a process: one engine, bound to the tables
    # Each takes a part: claims run while the others send.
    senders = [MailSender(settings, engine, batch_size=3) for _ in range(3)]
    total = 0
    while sent := sum(await asyncio.gather(*(sender.run_once() for sender in senders))):
        total += sent
    assert total == 12
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 12
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 12
