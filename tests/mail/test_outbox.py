import asyncio
import datetime as dt
import time

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.db import bind, make_engine
from helpdesk.mail.sender import MailSender
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket
from tests.helpers import VALID_API


def mail_settings(settings, smtp_server):
    settings = settings.with_changes(
        smtp={"host": "127.0.0.1", "port": smtp_server.port},
        mail={"backoff_seconds": 0.01, "max_attempts": 3},
    )
    return settings


async def create_tickets(settings, count: int) -> list[str]:
    async with AsyncTestClient(
        app=create_app(settings), base_url="http://testserver.local"
    ) as client:
        references = []
        for n in range(count):
            body = {**VALID_API, "message": f"Demande numéro {n} : la date est refusée."}
            response = await client.post("/api/v1/tickets", json=body)
            assert response.status_code == 201
            references.append(response.json()["reference"])
    return references


def sender_for(settings) -> MailSender:
    engine = make_engine(settings.database_url)
    bind(engine)
    return MailSender(settings)


async def test_acknowledgment_arrives_with_reference_and_link(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    [reference] = await create_tickets(settings, 1)
    sender = sender_for(settings)
    assert await sender.run_once() == 1
    [message] = smtp_server.messages
    assert reference in message["Subject"]
    assert message["To"] == "claire.martin@example.fr"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "http://testserver.local/suivi/" in text and "http://testserver.local/suivi/" in html
    assert "Reply-To" not in message
    row = await OutboxMail.select().first()
    assert row["status"] == "sent" and row["message_id"] == message["Message-ID"]
    assert await sender.run_once() == 0  # nothing is sent twice


async def test_tickets_are_taken_while_smtp_is_down_and_mailed_when_it_is_back(
    settings, smtp_server
):
    settings = mail_settings(settings, smtp_server)
    smtp_server.stop()
    references = await create_tickets(settings, 3)
    assert await Ticket.count() == 3
    sender = sender_for(settings)
    assert await sender.run_once() == 0
    pending = await OutboxMail.select().where(OutboxMail.status == "pending")
    assert len(pending) == 3 and all(row["attempts"] == 1 for row in pending)
    assert all("Error" in row["last_error"] for row in pending)
    smtp_server.start()
    await asyncio.sleep(0.05)  # past the (tiny) backoff
    assert await sender.run_once() == 3
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"Votre demande {r} est enregistrée" for r in references)


async def test_after_max_attempts_a_mail_is_marked_failed_and_visible(settings, smtp_server):
    settings = mail_settings(settings, smtp_server)
    smtp_server.stop()
    await create_tickets(settings, 1)
    sender = sender_for(settings)
    for _ in range(3):
        await sender.run_once()
        await asyncio.sleep(0.05)
    row = await OutboxMail.select().first()
    assert row["status"] == "failed" and row["attempts"] == 3
    await asyncio.sleep(0.05)
    assert await sender.run_once() == 0


async def test_a_sender_killed_midway_sends_nothing_twice_that_it_marked_sent(
    settings, smtp_server
):
    settings = mail_settings(settings, smtp_server)
    await create_tickets(settings, 5)
    smtp_server.recorder.hang_after = 2  # the third mail hangs: the sender is killed then
    # the hang outlasts the wait below (20 s at most)
    settings = settings.with_changes(smtp={"timeout_seconds": 30})
    sender = sender_for(settings)
    task = asyncio.create_task(sender.run_once())
    deadline = time.monotonic() + 20  # a loaded machine may be slow to send the first two
    while time.monotonic() < deadline:
        if (
            len(smtp_server.messages) == 2
            and await OutboxMail.count().where(OutboxMail.status == "sent") == 2
        ):
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    sent_before = {
        row["message_id"] for row in await OutboxMail.select().where(OutboxMail.status == "sent")
    }
    assert len(sent_before) == 2
    # The dead sender's lease ends; a new sender takes over.
    smtp_server.recorder.hang_after = None
    smtp_server.recorder.release.set()
    await OutboxMail.update(
        {OutboxMail.lease_until: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}
    ).where(OutboxMail.status == "sending")
    assert await sender_for(settings).run_once() == 3
    ids = [m["Message-ID"] for m in smtp_server.messages]
    for message_id in sent_before:
        assert ids.count(message_id) == 1
    assert await OutboxMail.count().where(OutboxMail.status == "sent") == 5
    assert len(set(ids)) == 5
