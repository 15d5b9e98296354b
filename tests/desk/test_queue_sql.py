"""The queue's SQL run straight on asyncpg gives the rows Piccolo gives, whatever the filter."""

import datetime as dt

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.auth.service import Staff
from helpdesk.core.db import is_postgres, start_pool
from helpdesk.desk import queue
from helpdesk.desk.queue import QueueFilter, list_query, list_tickets
from helpdesk.desk.schema import TicketListItem, field_names, shaped
from helpdesk.tickets.tables import STATUSES, Ticket
from tests.helpers import VALID_API, api_ticket, make_staff

BASE = "http://testserver.local"
LIST_FIELDS = field_names(TicketListItem)
LATE = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
async def tickets(settings):
    """Forty tickets of every kind in Orléans-Tours, two in Lyon; the agent and a colleague."""
    settings = settings.with_changes(rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url=BASE) as client:
        agent_id = await make_staff("agent@ot.fr", name="Agnès Roux")
        colleague_id = await make_staff("collegue@ot.fr", name="Paul Blanc")
        for n in range(40):
            child = {**VALID_API["child"], "last_name": ["Martin", "Dupont", "Éloïse"][n % 3]}
            await api_ticket(
                client,
                category=["date_naissance", "mot_de_passe", "rattachement"][n % 3],
                degre=["1er", "2nd"][n % 2],
                uai="" if n % 4 == 0 else "0450782F",
                child=child,
                message=f"Demande numéro {n} : la date de naissance est refusée.",
            )
        for _ in range(2):
            await api_ticket(client, academie="lyon", uai="")
        rows = await Ticket.select(Ticket.id).order_by(Ticket.id)
        for n, row in enumerate(rows):
            await Ticket.update(
                {
                    Ticket.status: STATUSES[n % len(STATUSES)],
                    Ticket.assignee_id: [None, agent_id, colleague_id, None][n % 4],
                    Ticket.sla_due_at: [None, LATE, Ticket.sla_due_at][n % 3],
                    # same creation time for some: the id breaks the tie
                    Ticket.created_at: dt.datetime(2026, 3, 1 + n // 4, 9, tzinfo=dt.UTC),
                }
            ).where(Ticket.id == row["id"])
        closed = await Ticket.select(Ticket.reference).where(Ticket.status == "clos").first()
        FILTERS_REFERENCE[:] = [closed["reference"].lower()]
        yield app, Staff(agent_id, "agent@ot.fr", "Agnès Roux", "agent", "orleans-tours")


FILTERS_REFERENCE: list[str] = []  # a closed ticket's reference, found by the fixture
FILTERS = [
    {},
    {"statuses": ["nouveau"]},
    {"statuses": ["nouveau", "en_cours"], "sort": "ancien"},
    {"statuses": ["clos"], "q": "martin"},
    {"category": "mot_de_passe", "assignee": "non_assigne"},
    {"assignee": "moi", "sort": "echeance"},
    {"degre": "2nd", "uai": "0450782F", "channel": "api"},
    {"q": "date refusee", "sort": "echeance"},
    {"q": "éloïse"},
    {"q": "{reference}", "statuses": ["clos", "spam"]},
    {"q": "{reference}"},
    {"older_than_days": 3},
    {"overdue": True, "sort": "echeance"},
    {"q": "personne"},
]


def queue_filter(fields: dict) -> QueueFilter:
    q = fields.get("q", "").replace("{reference}", FILTERS_REFERENCE[0])
    return QueueFilter(**(fields | {"q": q}))


async def every_page(staff, f, limit, run) -> list[list[dict]]:
    """All the pages of a filter, following the cursors: with list_tickets or with Piccolo."""
    pages, cursor = [], ""
    while True:
        rows, cursor = await run(staff, f, cursor, limit)
        pages.append(rows)
        if not cursor:
            return pages


async def piccolo(staff, f, cursor, limit):
    rows = await list_query(staff, f, cursor, limit)
    return rows[:limit], (queue.encode_cursor(rows[limit - 1], f.sort) if len(rows) > limit else "")


async def test_the_queue_gives_the_rows_piccolo_gives(tickets):
    app, staff = tickets
    for fields in FILTERS:
        f = queue_filter(fields)
        for limit in (25, 4):
            expected = await every_page(staff, f, limit, piccolo)
            assert await every_page(staff, f, limit, list_tickets) == expected, fields
            assert await every_page(staff, f, limit, list_tickets) == expected  # compiled once
    everything = [
        r for page in await every_page(staff, QueueFilter(), 4, list_tickets) for r in page
    ]
    assert len(everything) == 28 and {r["academie"] for r in everything} == {"orleans-tours"}


async def test_the_queue_on_the_apps_pool(tickets):
    """On PostgreSQL with the app's pool: the same rows, and a transaction left open on a
    connection is rolled back when it goes back to the pool."""
    app, staff = tickets
    engine = app.state.engine
    if not is_postgres(engine):
        pytest.skip("PostgreSQL seulement")
    await start_pool(engine, max_size=1)
    try:
        for fields in FILTERS:
            f = queue_filter(fields)
            expected = await every_page(staff, f, 4, piccolo)
            assert await every_page(staff, f, 4, list_tickets) == expected, fields
        async with engine.pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute("UPDATE ticket SET status = 'spam'")
        async with engine.pool.acquire() as connection:
            assert not connection.is_in_transaction()
            assert (
                await connection.fetchval("SELECT COUNT(*) FROM ticket WHERE status = 'spam'") < 42
            )
    finally:
        await engine.close_connection_pool()


async def test_the_api_gives_each_field_once_and_dates_in_iso_8601(tickets):
    app, staff = tickets
    rows, _ = await list_tickets(staff, QueueFilter(statuses=["nouveau"]))
    items = [msgspec.to_builtins(shaped(row, TicketListItem)) for row in rows]
    assert items and all(list(item) == list(LIST_FIELDS) for item in items)
    for row, item in zip(rows, items, strict=True):
        assert item["created_at"] == row["created_at"].isoformat()
        assert item["sla_due_at"] == (row["sla_due_at"] and row["sla_due_at"].isoformat())
        assert dt.datetime.fromisoformat(item["created_at"]).tzinfo is not None
        assert {k: v for k, v in item.items() if not k.endswith("_at")} == {
            k: row[k] for k in LIST_FIELDS if not k.endswith("_at")
        }
