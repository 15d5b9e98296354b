"""Creating a ticket writes its rows in one transaction: numbers under concurrency, twins,
failures, what is written."""

import asyncio
import datetime as dt
import json

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.db import is_postgres, postgres_config
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets import sla
from helpdesk.tickets.attachments import Upload
from helpdesk.tickets.records import Created, IdempotencyConflict, hash_token, next_number
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.tables import Attachment, FollowToken, IdempotencyKey, Ticket, TicketEvent
from helpdesk.tickets.validation import CleanRequest
from tests.helpers import VALID_API, stored_files


def numbers(references: list[str], prefix: str) -> list[int]:
    return sorted(int(r.rsplit("-", 1)[1]) for r in references if r.startswith(prefix))


@pytest.fixture
async def open_client(settings):
    settings = settings.with_changes(rate_limits={"disabled": True})
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local") as c:
        yield c


async def test_concurrent_submissions_get_distinct_numbers_without_gaps(open_client):
    bodies = [VALID_API] * 24 + [{**VALID_API, "academie": "lyon", "uai": ""}] * 12
    posts = (open_client.post("/api/v1/tickets", json=body) for body in bodies)
    responses = await asyncio.gather(*posts)
    assert [r.status_code for r in responses] == [201] * 36
    references = [r.json()["reference"] for r in responses]
    assert numbers(references, "OT-") == list(range(1, 25))
    assert numbers(references, "LY-") == list(range(1, 13))
    assert await Ticket.count() == 36
    # Each ticket came with its first message, then its acknowledgment, its link and its mail.
    for ticket in await Ticket.select(Ticket.id, Ticket.reference):
        events = (
            await TicketEvent.select(TicketEvent.kind)
            .where(TicketEvent.ticket == ticket["id"])
            .order_by(TicketEvent.id)
        )
        assert [e["kind"] for e in events] == ["message", "courriel"]
        assert await FollowToken.count().where(FollowToken.ticket == ticket["id"]) == 1
        mails = await OutboxMail.select(OutboxMail.subject).where(
            OutboxMail.ticket_reference == ticket["reference"]
        )
        assert [m["subject"] for m in mails] == [
            f"Votre demande {ticket['reference']} est enregistrée"
        ]


async def test_twins_sent_together_make_one_ticket(open_client):
    """Two submissions with one Idempotency-Key, written in the same batch: one ticket."""
    twin = {"Idempotency-Key": "double-envoi"}
    posts = [open_client.post("/api/v1/tickets", json=VALID_API, headers=twin) for _ in range(2)]
    posts += [open_client.post("/api/v1/tickets", json=VALID_API) for _ in range(4)]
    responses = await asyncio.gather(*posts)
    assert [r.status_code for r in responses] == [201] * 6
    assert responses[0].json()["reference"] == responses[1].json()["reference"]
    assert len({r.json()["reference"] for r in responses}) == 5
    assert await Ticket.count() == 5


async def test_a_repeated_submission_takes_no_number_and_keeps_no_file(client):
    service = TicketService(client.app.state)
    screenshot = Upload("capture.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    sent = {"idempotency_key": "form:abc", "fingerprint": "f1", "upload": screenshot}
    first = await service.create(request(), **sent)
    again = await service.create(request(), **sent)
    assert again.replayed and again.reference == first.reference
    assert again.token != first.token  # a link of its own, to the same ticket
    assert await stored_files(client.app.state.settings) == 1  # no second copy of the file
    other = await service.create(request())
    assert numbers([first.reference, other.reference], "OT-") == [1, 2]


def request(**changes) -> CleanRequest:
    fields = {
        "academie": "orleans-tours",
        "category": "mot_de_passe",
        "degre": "2nd",
        "message": "Le mot de passe provisoire est refusé depuis hier.",
        "requester_kind": "parent",
        "requester_first_name": "Claire",
        "requester_last_name": "Martin",
        "requester_email": "claire.martin@example.fr",
    }
    return CleanRequest(**(fields | changes))


async def test_a_failed_ticket_leaves_no_gap_on_sqlite_and_no_duplicate_anywhere(client):
    service = TicketService(client.app.state)
    with pytest.raises(Exception, match="(?i)foreign key"):
        await service.create(request(), parent_ticket_id=424242)  # no such ticket
    assert await Ticket.count() == 0
    assert await OutboxMail.count() == 0  # the mail went with the ticket
    created = await service.create(request())
    number = int(created.reference.rsplit("-", 1)[1])
    # PostgreSQL takes the number in a statement of its own (the lock is short): a gap.
    assert number == (2 if is_postgres(Ticket._meta.db) else 1)


async def test_a_failure_among_concurrent_submissions_touches_no_other(client):
    service = TicketService(client.app.state)
    outcomes = await asyncio.gather(
        *(service.create(request()) for _ in range(3)),
        service.create(request(), parent_ticket_id=424242),  # fails: no such ticket
        *(service.create(request()) for _ in range(3)),
        return_exceptions=True,
    )
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failed) == 1 and "foreign key" in str(failed[0]).lower()
    references = [o.reference for o in outcomes if not isinstance(o, Exception)]
    assert len(set(references)) == 6 and await Ticket.count() == 6
    if not is_postgres(Ticket._meta.db):  # written together, the failed one rolled back alone
        assert numbers(references, "OT-") == list(range(1, 7))


async def test_a_supervisor_change_of_targets_applies_to_the_next_ticket(client):
    service = TicketService(client.app.state)
    first = await service.create(request())
    await sla.save_targets("orleans-tours", {"mot_de_passe": (1, 2)})
    second = await service.create(request())
    tickets = {t["id"]: t for t in await Ticket.select()}
    for created, targets in ((first, {}), (second, {"mot_de_passe": (1, 2)})):
        ticket = tickets[created.ticket_id]
        due = sla.initial_due(ticket["created_at"], "mot_de_passe", targets)
        assert (ticket["first_response_due_at"], ticket["resolution_due_at"]) == due


async def test_a_ticket_reads_back_with_what_came_with_it(client):
    service = TicketService(client.app.state)
    screenshot = Upload("capture.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    birth = dt.date(2016, 3, 4)
    details = {"suite_de": "OT-2026-000001", "n": 1}
    created = await service.create(
        request(child_birth_date=birth, details=details),
        idempotency_key="cle",
        fingerprint="f1",
        upload=screenshot,
    )
    ticket = await Ticket.select().where(Ticket.id == created.ticket_id).first()
    assert ticket["reference"] == created.reference
    assert ticket["child_birth_date"] == birth and json.loads(ticket["details"]) == details
    events = (
        await TicketEvent.select()
        .where(TicketEvent.ticket == ticket["id"])
        .order_by(TicketEvent.id)
    )
    assert [(e["kind"], e["public"]) for e in events] == [("message", True), ("courriel", False)]
    [attachment] = await Attachment.select()
    assert (attachment["ticket"], attachment["event"]) == (ticket["id"], events[0]["id"])
    assert attachment["size"] == len(screenshot.data)
    [key] = await IdempotencyKey.select()
    assert (key["ticket"], key["body_hash"]) == (ticket["id"], "f1")
    assert (await service.by_token(created.token))["id"] == ticket["id"]
    assert await OutboxMail.count().where(OutboxMail.ticket_reference == created.reference) == 1


async def test_numbers_follow_each_other_and_are_never_given_twice(client):
    """Taken at once, alone or in a transaction: one number each, per académie and year."""
    taken = await asyncio.gather(*(next_number("orleans-tours", 2026) for _ in range(20)))
    assert sorted(taken) == list(range(1, 21))
    async with Ticket._meta.db.transaction():
        assert await next_number("orleans-tours", 2026) == 21
        assert await next_number("lyon", 2026) == 1
    assert await next_number("orleans-tours", 2027) == 1


async def test_postgres_a_pending_ticket_does_not_hold_up_the_next_of_its_academie(client):
    """The number is taken before the ticket's transaction: while a ticket of the académie is
    still being written (here: waiting for a lock on its parent), another one goes through."""
    engine = Ticket._meta.db
    if not is_postgres(engine):
        pytest.skip("PostgreSQL seulement")
    service = TicketService(client.app.state)
    parent = await service.create(request())
    blocker = await asyncpg.connect(**postgres_config(client.app.state.settings.database_url))
    try:
        transaction = blocker.transaction()
        await transaction.start()
        # The child's foreign key check waits for this lock, inside the child's transaction.
        await blocker.execute("SELECT id FROM ticket WHERE id = $1 FOR UPDATE", parent.ticket_id)
        child = asyncio.create_task(service.create(request(), parent_ticket_id=parent.ticket_id))
        await asyncio.sleep(0.3)
        assert not child.done()
        other = await asyncio.wait_for(service.create(request()), 10)
        assert not child.done()
        await transaction.rollback()
        child = await asyncio.wait_for(child, 10)
    finally:
        await blocker.close()
    assert numbers([parent.reference, child.reference, other.reference], "OT-") == [1, 2, 3]
    assert child.reference == f"OT-{dt.datetime.now(dt.UTC).year}-000002"
    assert await Ticket.count() == 3


async def test_concurrent_twins_and_a_conflicting_key_touch_no_other_ticket(client):
    """Keys a, b, a, a (another body), c submitted together: the first "a" written makes the
    ticket; the "a"s with its body get it, the other body is refused; b and c are written."""
    service = TicketService(client.app.state)
    sent = [("a", "f1"), ("b", "f1"), ("a", "f1"), ("a", "f2"), ("c", "f1")]
    outcomes = await asyncio.gather(
        *(service.create(request(), idempotency_key=k, fingerprint=f) for k, f in sent),
        return_exceptions=True,
    )
    [winner] = await IdempotencyKey.select().where(IdempotencyKey.key_hash == hash_token("a"))
    by_a = []
    for (key, fingerprint), outcome in zip(sent, outcomes, strict=True):
        if key == "a" and fingerprint != winner["body_hash"]:
            assert isinstance(outcome, IdempotencyConflict)
        else:
            assert isinstance(outcome, Created)
            if key == "a":
                by_a.append(outcome)
    assert {(o.ticket_id, o.reference) for o in by_a} == {(by_a[0].ticket_id, by_a[0].reference)}
    assert winner["ticket"] == by_a[0].ticket_id
    assert [o.replayed for o in by_a].count(False) == 1  # one wrote it, the others were given it
    references = {o.reference for o in outcomes if isinstance(o, Created)}
    assert len(references) == 3
    assert await Ticket.count() == 3 and await IdempotencyKey.count() == 3
    if not is_postgres(Ticket._meta.db):  # a twin's number was rolled back with its ticket
        assert numbers(list(references), "OT-") == [1, 2, 3]


async def test_submissions_one_right_after_another_each_get_the_next_number(client):
    service = TicketService(client.app.state)

    async def one_after_another():
        return [(await service.create(request())).reference for _ in range(5)]

    references = await asyncio.wait_for(one_after_another(), 30)
    assert numbers(references, "OT-") == [1, 2, 3, 4, 5]
    more = await asyncio.wait_for(
        asyncio.gather(*(service.create(request()) for _ in range(20))), 60
    )
    assert numbers(references + [c.reference for c in more], "OT-") == list(range(1, 26))
