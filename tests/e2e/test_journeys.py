"""The main journeys in a real browser: a parent's request, an agent's answer."""

import json
import re
import time
import urllib.request

from playwright.sync_api import expect

from tests.e2e.test_public_pages import serious_violations

AGENT_PASSWORD = "Agent-Navigateur-2026"


def create_agent(live_server, email: str, name: str = "") -> None:
    """An agent of Orléans-Tours, made by `helpdesk create-user` as an administrator would."""
    options = ["--name", name] if name else []
    live_server.cli(
        "create-user",
        *("--email", email, "--password", AGENT_PASSWORD),
        *("--role", "agent", "--academie", "orleans-tours", *options),
    )


def log_in(page, email: str) -> None:
    """Fills the login page the browser was sent to."""
    page.fill("#email", email)
    page.fill("#password", AGENT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def post_ticket(live_server, body: dict) -> str:
    """A request sent through the JSON API, as another system would: its reference."""
    request = urllib.request.Request(
        live_server.at("/api/v1/tickets"),
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)["reference"]


# The in-process sender sends within a second or two; a loaded machine may take much longer.
MAIL_WAIT_SECONDS = 30


def caught(page, live_server, pattern: str, after: str = "") -> str | None:
    """The first match of pattern in the demo mail page, after the text `after`, waiting for it."""
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        page.goto(live_server.at("/demo/courriels"))
        text = page.locator("main").inner_text()
        if after in text:
            found = re.search(pattern, text.split(after, 1)[1] if after else text)
            if found:
                return found.group(1)
        time.sleep(0.2)
    return None


def caught_link(page, live_server, reference: str) -> str:
    """The follow-up link of the last caught mail about this reference (demo mail page)."""
    link = caught(page, live_server, r"(http://127\.0\.0\.1:\d+/suivi/[\w-]+)", after=reference)
    assert link, f"aucun courriel pour {reference}"
    return link


def test_parent_fixes_a_mistake_submits_and_follows_the_link_from_the_mail(page, live_server):
    page.goto(live_server.at("/assistance"))
    page.select_option("#academie", "orleans-tours")
    page.click("label[for=categorie-date_naissance]")
    page.get_by_role("button", name="Continuer").click()
    page.fill("#requester_last_name", "Lambert")
    page.fill("#requester_first_name", "Sophie")
    page.fill("#requester_email", "sophie.lambert@example.fr")
    page.fill("#child_last_name", "Lambert")
    page.fill("#child_first_name", "Hugo")
    page.fill("#child_birth_date", "12/05/2099")  # the mistake
    page.fill("#refused_birth_date", "05/12/2015")
    page.click("label[for=degre-1er]")
    page.fill("#message", "La date de naissance de Hugo est refusée quand j'active mon compte.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("#erreurs")).to_contain_text("Votre demande n'a pas été envoyée")
    expect(page.locator("#child_birth_date-erreur")).to_contain_text("futur")
    expect(page.locator("#requester_email")).to_have_value("sophie.lambert@example.fr")
    page.fill("#child_birth_date", "12/05/2015")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("#demande-enregistree")).to_contain_text("référence OT-")
    reference = re.search(r"OT-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)

    link = caught_link(page, live_server, reference)
    page.goto(link)
    expect(page.locator("h1")).to_have_text(f"Demande {reference}")
    assert serious_violations(page, "suivi") == []
    page.fill("#message", "J'ajoute : Hugo est en CP.")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.locator("#echanges + ol")).to_contain_text("Hugo est en CP.")


def test_agent_filters_takes_and_replies_and_the_parent_sees_it(page, live_server):
    create_agent(live_server, "agent.e2e@ot.fr", name="Agnès Roux")
    body = {
        "academie": "orleans-tours",
        "category": "mot_de_passe",
        "degre": "2nd",
        "requester": {
            "kind": "parent",
            "first_name": "Nadia",
            "last_name": "Benali",
            "email": "nadia.benali@example.fr",
        },
        "child": {"first_name": "Yanis", "last_name": "Benali"},
        "message": "Mon mot de passe provisoire est refusé depuis hier soir.",
    }
    reference = post_ticket(live_server, body)

    page.goto(live_server.at("/agent"))
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/agent"))
    log_in(page, "agent.e2e@ot.fr")
    page.fill("#q", "benali")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator(f"#ligne-{reference}")).to_be_visible()
    assert serious_violations(page, "file d'attente") == []
    page.get_by_role("link", name=reference).click()
    assert serious_violations(page, "page de la demande") == []
    page.get_by_role("button", name="Prendre la demande").click()
    expect(page.locator("#assignee-actuel")).to_have_text("Agnès Roux")
    page.fill(
        "#body", "Nous avons réinitialisé votre mot de passe : un courrier vous attend à l'accueil."
    )
    page.select_option("#reply-status", "resolu")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#statut")).to_have_text("Résolue")

    link = caught_link(page, live_server, f"Votre demande est résolue {reference}")
    page.goto(link)
    expect(page.locator("#statut")).to_have_text("Résolue")
    expect(page.locator("main")).to_contain_text("un courrier vous attend à l'accueil")


SEED_ACCOUNT = """
import asyncio
from helpdesk.accounts.local import LocalDirectory
from helpdesk.accounts.port import ACTIVE, EN_COURS
from helpdesk.core.db import bind, make_engine, migrate
from helpdesk.core.settings import load_settings

async def main():
    settings = load_settings()
    engine = make_engine(settings.database_url)
    await migrate(engine)
    bind(engine)
    directory = LocalDirectory(settings)
    await directory.add_establishment("0450782F", "Collège des Tilleuls", academie="orleans-tours")
    luc = await directory.add_account("responsable", "Luc", "Bernard", uai="0450782F", state=EN_COURS,
                                      email="luc.bernard@exemple.fr", mobile="0622222222")
    emma = await directory.add_account("eleve", "Emma", "Bernard", uai="0450782F", state=ACTIVE)
    await directory.add_link(luc, emma)
    print(luc)

asyncio.run(main())
"""


def test_agent_fixes_the_address_resends_and_the_account_is_activated(page, live_server):
    import subprocess
    import sys

    from tests.e2e.conftest import PROJECT_DIR

    env = {
        k: v for k, v in __import__("os").environ.items() if not k.startswith("HELPDESK_")
    } | live_server.env
    luc = (
        subprocess.run(
            [sys.executable, "-c", SEED_ACCOUNT],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    create_agent(live_server, "agent.comptes@ot.fr", name="Agnès Roux")
    body = {
        "academie": "orleans-tours",
        "category": "mail_confirmation",
        "degre": "2nd",
        "requester": {
            "kind": "parent",
            "first_name": "Luc",
            "last_name": "Bernard",
            "email": "luc.b@example.fr",
        },
        "child": {"first_name": "Emma", "last_name": "Bernard"},
        "activation_email": "luc.bernard@exemple.fr",
        "message": "Je n'ai jamais reçu le courriel de confirmation, je crois avoir fait une faute.",
    }
    reference = post_ticket(live_server, body)

    page.goto(live_server.at(f"/agent/tickets/{reference}"))
    log_in(page, "agent.comptes@ot.fr")
    page.get_by_role("link", name="Luc Bernard").first.click()
    expect(page.locator("#compte-etat")).to_have_text("En cours d'activation")
    page.fill("#update_email-email", "luc.bernard@example.fr")
    page.get_by_role("button", name="Modifier l'adresse mail…").click()
    expect(page.locator("#confirmation-action")).to_contain_text("luc.bernard@example.fr")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.locator("#historique")).to_contain_text("Modifier l'adresse mail")

    link = caught(page, live_server, r"(http://127\.0\.0\.1:\d+/comptes/confirmer/[\w-]+)")
    assert link, "aucun courriel de confirmation capté"
    page.goto(link)
    expect(page.locator("main")).to_contain_text("confirmée")
    page.goto(live_server.at(f"/agent/tickets/{reference}?compte={luc}"))
    expect(page.locator("#compte-etat")).to_have_text("Activé")


def test_agent_opens_a_ticket_from_a_parents_report_in_educonnect(page, live_server):
    # The demo directory holds the anomalies parents raise in ÉduConnect itself; it replaces
    # whatever the journeys above put in the directory, so this one comes last.
    live_server.cli("accounts", "demo", "--seed", "2026")
    create_agent(live_server, "agent.signalements@ot.fr")
    page.goto(live_server.at("/agent/signalements"))
    log_in(page, "agent.signalements@ot.fr")
    expect(page.locator("h1")).to_have_text("Signalements à traiter")
    assert serious_violations(page, "signalements à traiter") == []
    row = page.locator("tbody tr").filter(has_text="Rattachement signalé erroné").first
    identifier = row.locator("td").first.locator("span").inner_text()
    row.get_by_role("button", name="Ouvrir une demande").click()
    expect(page.locator("h1")).to_contain_text("OT-")
    expect(page.locator("main")).to_contain_text("Signalement fait dans ÉduConnect")
    expect(page.locator("main")).to_contain_text(identifier)
    reference = re.search(r"OT-\d{4}-\d{6}", page.locator("h1").inner_text()).group(0)
    page.goto(live_server.at("/agent/signalements"))
    expect(page.get_by_role("link", name=reference)).to_be_visible()
