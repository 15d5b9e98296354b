"""Factories of the tests: the app and its client, staff, tickets and directory accounts, made
through the real services (real rows in the test's database), so that a test says only what
differs from the usual cast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar.testing import AsyncTestClient

from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME
from helpdesk.app import create_app
from helpdesk.core.settings import Settings
from tests.helpers import VALID_API, api_ticket, login, make_staff

BASE = "http://testserver.local"
TILLEULS = "0450782F"  # the school of the usual cast (Orléans-Tours)
LYONNAIS = "0690001A"  # a school of another académie (Lyon)


# --- the app ---------------------------------------------------------------------------------


@asynccontextmanager
async def desk_client(settings: Settings, **overrides: object) -> AsyncIterator[AsyncTestClient]:
    """The app on these settings, rate limits off (a test sends many requests), and its client;
    `client.app` is the app."""
    app = create_app(
        settings.with_changes(rate_limits={"disabled": True}).with_changes(**overrides)
    )
    async with AsyncTestClient(app=app, base_url=BASE) as client:
        yield client


# --- staff -----------------------------------------------------------------------------------


async def agent(
    email: str = "agent@ot.fr", name: str = "Agnès Roux", academie: str = "orleans-tours"
) -> int:
    return await make_staff(email, academie=academie, name=name)


async def supervisor(
    email: str = "chef@ot.fr", name: str = "Marc Petit", academie: str = "orleans-tours"
) -> int:
    return await make_staff(email, role="supervisor", academie=academie, name=name)


async def admin(email: str = "admin@ac.fr", name: str = "Ada Admin") -> int:
    return await make_staff(email, role="admin", academie="", name=name)


async def school_staff(
    email: str, uais: list[str], name: str, academie: str = "orleans-tours"
) -> int:
    """A school's staff account: it sees the accounts and tickets of these UAIs only."""
    return await make_staff(email, role="establishment", academie=academie, uais=uais, name=name)


async def signed_in_agent(client: AsyncTestClient, **agent_fields: str) -> int:
    """An agent (Agnès Roux unless told), signed in on this client."""
    user_id = await agent(**agent_fields)
    await login(client, agent_fields.get("email", "agent@ot.fr"))
    return user_id


# --- tickets ---------------------------------------------------------------------------------


async def ticket(client: AsyncTestClient, requester: dict | None = None, **changes) -> str:
    """A ticket sent through the public API (VALID_API with these changes; `requester`: the
    fields of the requester that differ); its reference."""
    if requester:
        changes["requester"] = {**VALID_API["requester"], **requester}
    return await api_ticket(client, **changes)


# --- accounts of the local directory -----------------------------------------------------------

# The usual cast: kind, first name, last name, and what the directory holds of them.
CAST: dict[str, tuple[str, str, str, dict]] = {
    "luc": (
        "responsable",
        "Luc",
        "Bernard",
        {"state": EN_COURS, "email": "luc.bernard@exemple.fr"},
    ),
    "anne": (
        "responsable",
        "Anne",
        "Morel",
        {
            "state": ACTIVE,
            "email": "anne.morel@example.fr",
            "email_confirmed": True,
            "password": "Un-mot-de-passe-1",
        },
    ),
    "nadia": (
        "responsable",
        "Nadia",
        "Haddad",
        {"state": INFORME, "provisional": "Provis0ire", "email": "nadia@example.org"},
    ),
    "leo": ("eleve", "Léo", "Morel", {"state": ACTIVE}),
    # the requester of VALID_API and her son
    "claire": (
        "responsable",
        "Claire",
        "Martin",
        {"state": ACTIVE, "email": "claire.martin@example.fr", "email_confirmed": True},
    ),
    "leo_martin": ("eleve", "Léo", "Martin", {"state": ACTIVE}),
    "emma": ("eleve", "Emma", "Bernard", {"state": ACTIVE}),
    # Luc's namesake, at a school of another académie (LYONNAIS)
    "jean": ("responsable", "Jean", "Bernard", {"state": ACTIVE, "email": "jean@example.net"}),
    # a parent and a pupil whose link the other legal representative may report wrong
    "alice": (
        "responsable",
        "Alice",
        "Adam",
        {"state": ACTIVE, "email": "alice.adam@example.fr", "email_confirmed": True},
    ),
    "hugo": ("eleve", "Hugo", "Blot", {"state": ACTIVE}),
}


async def school(
    directory, uai: str = TILLEULS, name: str = "Collège des Tilleuls", academie="orleans-tours"
) -> str:
    await directory.add_establishment(uai, name, academie=academie)
    return uai


async def accounts(directory, uai: str = TILLEULS, **people: dict) -> dict[str, str]:
    """Accounts of the cast at the school `uai`, each with changes of its own, by name:
    `accounts(directory, luc={}, leo={"birth_date": "2016-04-03"})`; their identifiers."""
    made = {}
    for key, changes in people.items():
        kind, first_name, last_name, fields = CAST[key]
        fields = {"uai": uai, **fields, **changes}
        made[key] = await directory.add_account(kind, first_name, last_name, **fields)
    return made
