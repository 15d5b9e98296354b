"""Creating a ticket writes its rows at once: numbers under concurrency, what is written."""

import asyncio
import datetime as dt

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.db import (
    Batches,
    Row,
    insert_rows_pg,
    insert_rows_sqlite,
    is_postgres,
    pg_connection,
    settle,
    sqlite_write,
)
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets import sla
from helpdesk.tickets.attachments import Upload
from helpdesk.tickets.service import (
    NEXT_NUMBERS_PG,
    Numbered,
    TicketService,
    write_tickets_pg,
)
from helpdesk.tickets.tables import FollowToken, IdempotencyKey, Ticket, TicketEvent
from helpdesk.tickets.validation import CleanRequest
from tests.helpers import VALID_API


def numbers(references: list[str], prefix: str) -> list[int]:
    return sorted(int(r.rsplit("-", 1)[1]) for r in references if r.startswith(prefix))


@pytest.fixture
async def open_client(settings):
    settings.rate_limit_disabled = True
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
    folder = client.app.state.settings.data_dir / "attachments"
    assert len(list(folder.iterdir())) == 1  # the second copy of the file is gone
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


async def write(rows: list[Row]) -> int:
    engine = Ticket._meta.db
    if is_postgres(engine):
        async with pg_connection(engine) as connection:
            return await insert_rows_pg(connection, rows)
    return await sqlite_write(engine, lambda connection: insert_rows_sqlite(connection, rows))


async def test_rows_written_at_once_read_back_as_piccolo_writes_them(client):
    now = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    values = {
        "academie": "orleans-tours",
        "category": "date_naissance",
        "requester_first_name": "Claire",
        "requester_last_name": "Martin",
        "requester_email": "claire.martin@example.fr",
        "message": "La date est refusée.",
        "child_birth_date": dt.date(2016, 3, 4),
        "details": {"suite_de": "OT-2026-000001", "n": 1},
        "suggested_confidence": 0.5,
        "created_at": now,
        "updated_at": now,
        "first_response_due_at": now + dt.timedelta(hours=8),
    }
    event = {"kind": "statut", "public": False, "data": {"avant": "a"}, "created_at": now}
    by_piccolo = Ticket(reference="A", **values)
    await by_piccolo.save()
    await TicketEvent(ticket=by_piccolo.id, **event).save()
    ours = await write(
        [Row(Ticket, {"reference": "B", **values}), Row(TicketEvent, event, {"ticket": 0})]
    )
    tickets = {t["id"]: t for t in await Ticket.select()}
    a, b = tickets[by_piccolo.id], tickets[ours]
    assert {k: v for k, v in b.items() if k not in ("id", "reference")} == {
        k: v for k, v in a.items() if k not in ("id", "reference")
    }
    events = await TicketEvent.select().order_by(TicketEvent.id)
    assert events[1]["ticket"] == ours
    assert {k: v for k, v in events[1].items() if k not in ("id", "ticket")} == {
        k: v for k, v in events[0].items() if k not in ("id", "ticket")
    }


async def test_postgres_number_commits_without_waiting_for_the_disk(client):
    engine = Ticket._meta.db
    if not is_postgres(engine):
        pytest.skip("PostgreSQL seulement")
    async with pg_connection(engine) as connection:
        async with connection.transaction():
            assert await connection.fetchval(NEXT_NUMBERS_PG, "orleans-tours", 2026, 1) == 1
            assert await connection.fetchval("SHOW synchronous_commit") == "off"
        assert await connection.fetchval("SHOW synchronous_commit") == "on"
        # Three tickets written together take three numbers: the last one comes back.
        assert await connection.fetchval(NEXT_NUMBERS_PG, "orleans-tours", 2026, 3) == 4


async def test_postgres_batch_with_a_refused_ticket_writes_the_others_alone(client):
    engine = Ticket._meta.db
    if not is_postgres(engine):
        pytest.skip("PostgreSQL seulement")
    now = dt.datetime.now(dt.UTC)

    def rows_for(key: str):
        def rows(reference: str) -> list[Row]:
            ticket = {
                "reference": reference,
                "academie": "orleans-tours",
                "category": "autre",
                "requester_first_name": "Claire",
                "requester_last_name": "Martin",
                "requester_email": "claire.martin@example.fr",
                "message": "Un message assez long.",
            }
            return [
                Row(Ticket, ticket),
                Row(TicketEvent, {"kind": "message", "created_at": now}, {"ticket": 0}),
                Row(IdempotencyKey, {"key_hash": key, "body_hash": "x"}, {"ticket": 0}),
            ]

        return rows

    loop = asyncio.get_running_loop()
    batch = [
        (Numbered("orleans-tours", "OT", 2026, rows_for(key)), loop.create_future())
        for key in ("a", "b", "a", "c")  # the second "a" is refused
    ]
    await write_tickets_pg(engine, batch)
    outcomes = [done.exception() or done.result() for _, done in batch]
    assert [type(o).__name__ for o in outcomes] == [
        "tuple",
        "tuple",
        "UniqueViolationError",
        "tuple",
    ]
    assert [o[1] for o in outcomes if isinstance(o, tuple)] == [
        "OT-2026-000001",
        "OT-2026-000002",
        "OT-2026-000004",  # the refused one's number is not given again
    ]
    assert await Ticket.count() == 3


async def test_a_write_submitted_right_after_the_last_one_is_not_forgotten():
    async def flush(batch):
        for item, done in batch:
            settle(done, item * 2)

    batches = Batches(flush, size=8, parallel=1)

    async def one_after_another():  # submits again as soon as it is woken: no flush is left
        return [await batches.submit(n) for n in range(5)]

    assert await asyncio.wait_for(one_after_another(), 1) == [0, 2, 4, 6, 8]
    results = await asyncio.wait_for(asyncio.gather(*(batches.submit(n) for n in range(20))), 1)
    assert results == [n * 2 for n in range(20)]
