"""In a real browser: an agent sees whether the requester is the account's holder, and what
that allows (credentials by mail, or only on a letter the school hands over)."""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from helpdesk import PROJECT_DIR
from tests.e2e.conftest import start_live_server
from tests.e2e.test_journeys import create_agent, log_in, post_ticket
from tests.e2e.test_public_pages import serious_violations

SEED = """
import asyncio
from helpdesk.accounts.local import LocalDirectory
from helpdesk.accounts.port import ACTIVE
from helpdesk.core.db import bind, make_engine, migrate
from helpdesk.core.settings import load_settings

async def main():
    settings = load_settings()
    engine = make_engine(settings.database_url)
    await migrate(engine)
    bind(engine)
    directory = LocalDirectory(settings)
    await directory.add_establishment("0450782F", "Lycée des Coteaux", academie="orleans-tours")
    anne = await directory.add_account(
        "responsable", "Anne", "Morel", uai="0450782F", state=ACTIVE,
        email="anne.morel@example.fr", email_confirmed=True, password="Un-mot-de-passe-1")
    print(anne)

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_live_server(tmp_path_factory.mktemp("demandeur_verifie")) as live:
        yield live


def seed(server) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")} | server.env
    done = subprocess.run(
        [sys.executable, "-c", SEED],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def ticket_from(server, email: str) -> str:
    return post_ticket(
        server,
        {
            "academie": "orleans-tours",
            "category": "mot_de_passe",
            "degre": "2nd",
            "uai": "0450782F",
            "requester": {
                "kind": "parent",
                "first_name": "Anne",
                "last_name": "Morel",
                "email": email,
            },
            "child": {"first_name": "Léo", "last_name": "Morel"},
            "message": "Je ne retrouve plus mon mot de passe ÉduConnect depuis la rentrée.",
        },
    )


def test_verified_and_unverified_requesters(page, server):
    anne = seed(server)
    create_agent(server, "agent.identite@ot.fr", name="Agnès Roux")
    mine = ticket_from(server, "anne.morel@example.fr")
    stranger = ticket_from(server, "quelquun@example.net")

    # The holder's own confirmed address: credentials may go by mail.
    page.goto(server.at(f"/agent/tickets/{mine}?compte={anne}"))
    log_in(page, "agent.identite@ot.fr")
    expect(page.locator("#identite-demandeur")).to_contain_text("Demandeur vérifié")
    expect(page.locator("#etablissement")).to_contain_text("Lycée des Coteaux, UAI 0450782F")
    assert serious_violations(page, "panneau du compte, demandeur vérifié") == []
    page.select_option("#inform-mode", "mail")
    page.get_by_role("button", name="Informer…").click()
    expect(page.locator("#confirmation-action")).to_contain_text("courriel à l'adresse du compte")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator("#historique")).to_contain_text("envoyée par mail")
    expect(page.locator("#compte-lie")).to_contain_text(anne)

    # Someone else's address: no credentials by mail, a letter for the school instead.
    page.goto(server.at(f"/agent/tickets/{stranger}?compte={anne}"))
    expect(page.locator("#identite-demandeur")).to_contain_text("Demandeur non vérifié")
    assert page.locator("#inform-mode option[value=mail]").count() == 0
    page.get_by_role("button", name="Réinitialiser le mot de passe…").click()
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("feuille à imprimer")
    expect(page.locator("main")).to_contain_text("courrier-")
