"""The sender: one SMTP connection per share of a claimed batch, marks written together."""

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.mail.sender import SentMarks
from helpdesk.mail.tables import OutboxMail
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
