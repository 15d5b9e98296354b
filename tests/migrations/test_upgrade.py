"""Upgrading a database of release 0.1 (tables made without migrations) keeps every row.

previous_schema/ holds the schema exactly as release 0.1 created it, dumped from each database
(sqlite3 .schema, pg_dump --schema-only).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.db import make_engine, migrate, postgres_config
from helpdesk.core.migrations import pending_migrations
from tests.conftest import make_settings
from tests.helpers import VALID_API

PREVIOUS = Path(__file__).parent / "previous_schema"
YEAR = dt.date.today().year

# A few rows of release 0.1, in the tables every feature depends on.
ROWS = [
    "INSERT INTO staff_user (email, name, role, academie, uais, password_hash) "
    "VALUES ('agent@ac-orleans-tours.fr', 'Agnès Martin', 'agent', 'orleans-tours', '[]', 'x')",
    f"INSERT INTO ticket_sequence (academie, year, last_number) VALUES ('orleans-tours', {YEAR}, 41)",
    "INSERT INTO ticket (reference, academie, category, requester_first_name, "
    "requester_last_name, requester_email, message, details, requester_kind) VALUES "
    f"('OT-{YEAR}-000041', 'orleans-tours', 'date_naissance', 'Inès', 'Caron', "
    "'ines.caron@example.org', 'La date de naissance est refusée.', '{}', 'etablissement')",
    "INSERT INTO ticket_event (ticket, kind, body) VALUES (1, 'message', 'Bonjour')",
    "INSERT INTO outbox_mail (recipient, subject, message_id, kind) VALUES "
    "('ines.caron@example.org', 'Votre demande', '<a@b>', 'accuse_reception')",
    "INSERT INTO directory_account (identifier, kind, first_name, last_name, state) VALUES "
    "('i.caron1', 'responsable', 'Inès', 'Caron', 'Activé')",
    "INSERT INTO faq_vote (slug, helpful) VALUES ('mot-de-passe-oublie', true)",
]
# What 0.1 databases made before the last columns were added lack (they were never migrated).
OLDER = {
    "sqlite": [
        "ALTER TABLE ticket DROP COLUMN suggested_category",
        "ALTER TABLE ticket DROP COLUMN suggested_confidence",
        "DROP INDEX ticket_incident_id",
        "ALTER TABLE ticket DROP COLUMN incident_id",
        "DROP TABLE letter_delivery",
    ],
    "postgres": [
        "ALTER TABLE ticket DROP COLUMN suggested_category",
        "ALTER TABLE ticket DROP COLUMN suggested_confidence",
        "ALTER TABLE ticket DROP COLUMN incident_id",
        "UPDATE ticket SET requester_kind = 'parent'",  # 'etablissement' did not fit in 12
        "ALTER TABLE ticket ALTER COLUMN requester_kind TYPE varchar(12)",
        "DROP TABLE letter_delivery",
    ],
}


async def build_previous(backend: str, url: str, older: bool) -> None:
    statements = ROWS + (OLDER[backend] if older else [])
    if backend == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            connection.executescript((PREVIOUS / "sqlite.sql").read_text())
            for statement in statements:
                connection.execute(statement)
        return
    connection = await asyncpg.connect(**postgres_config(url))
    try:
        await connection.execute((PREVIOUS / "postgres.sql").read_text())
        await connection.execute("SET search_path = public")
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def empty_url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'release-0.1.sqlite3'}"
    url = request.getfixturevalue("postgres_url")

    async def reset() -> None:
        connection = await asyncpg.connect(**postgres_config(url))
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()

    asyncio.run(reset())
    return url


@pytest.mark.parametrize("older", [False, True], ids=["last-0.1", "early-0.1"])
async def test_a_release_0_1_database_is_migrated_without_losing_a_row(
    backend, empty_url, tmp_path, older
):
    await build_previous(backend, empty_url, older)
    engine = make_engine(empty_url)
    assert await pending_migrations(engine)

    await migrate(engine)

    assert await pending_migrations(engine) == []
    from helpdesk.auth.tables import User
    from helpdesk.establishments.tables import LetterDelivery
    from helpdesk.mail.tables import OutboxMail
    from helpdesk.tickets.tables import StoredFile, Ticket, TicketEvent

    ticket = await Ticket.select().first()
    assert ticket["reference"] == f"OT-{YEAR}-000041"
    assert ticket["requester_first_name"] == "Inès"
    assert ticket["suggested_category"] == "" and ticket["suggested_confidence"] == 0.0
    assert ticket["incident_id"] is None
    assert await TicketEvent.count() == 1
    assert await OutboxMail.count() == 1
    assert (await User.select(User.name).first())["name"] == "Agnès Martin"
    assert await LetterDelivery.count() == 0
    assert await StoredFile.count() == 0  # the table of a migration written after 0.1
    # The widened column takes what 0.1 could not hold.
    await Ticket.update({Ticket.requester_kind: "etablissement"}).where(Ticket.id == ticket["id"])

    # The help desk runs on it: the sequence goes on from the row kept.
    settings = make_settings(tmp_path, empty_url)
    async with AsyncTestClient(
        app=create_app(settings), base_url="http://testserver.local"
    ) as client:
        response = await client.post("/api/v1/tickets", json={**VALID_API, "uai": ""})
    assert response.status_code == 201
    assert response.json()["reference"] == f"OT-{YEAR}-000042"


async def test_migrating_twice_changes_nothing(backend, empty_url):
    engine = make_engine(empty_url)
    await migrate(engine)
    await migrate(engine)
    assert await pending_migrations(engine) == []
