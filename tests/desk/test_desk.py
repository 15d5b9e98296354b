"""The desk, correct: who a ticket is assigned to, where an incident shows, tickets without
an address, merges, the school named, the « Canal » filter, the statistics file."""

import pytest

from helpdesk.accounts.port import ACTIVE
from helpdesk.auth.tables import User
from helpdesk.desk.anomalies import open_all
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket, TicketEvent
from tests.factories import admin, agent, desk_client, school_staff, supervisor
from tests.helpers import STAFF_PASSWORD, api_ticket, login, staff_post, text_of


@pytest.fixture
async def desk(settings):
    async with desk_client(settings) as client:
        app = client.app
        directory = app.state.accounts
        await directory.add_establishment("0450782F", "Lycée des Coteaux", academie="orleans-tours")
        paul = await directory.add_account("responsable", "Paul", "Durand", uai="0450782F",
                                           state=ACTIVE)  # fmt: skip
        lina = await directory.add_account("eleve", "Lina", "Durand", uai="0450782F", state=ACTIVE)
        await directory.add_link(paul, lina, status="signale_errone")
        await agent()
        await supervisor()
        await admin(name="")
        await login(client, "agent@ot.fr")
        yield client


async def post(client, reference: str, **data):
    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    return await staff_post(
        client, f"/agent/tickets/{reference}", {"version": ticket["version"], **data}
    )


async def test_a_deactivated_agents_tickets_are_nobodys(desk):
    reference = await api_ticket(desk)
    assert (await post(desk, reference, action="prendre")).status_code == 303
    agent_id = (await User.select().where(User.email == "agent@ot.fr").first())["id"]
    await login(desk, "chef@ot.fr")
    done = await staff_post(
        desk, f"/admin/utilisateurs/{agent_id}", {"action": "desactiver"}, "/admin/utilisateurs"
    )
    assert done.status_code == 303
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert "non assignée" in page and "le compte de Agnès Roux a été désactivé" in page
    nobody = text_of(await desk.get("/agent", params={"assignee": "non_assigne"}))
    assert reference in nobody
    token = (
        await desk.post(
            "/api/v1/auth/login", json={"email": "chef@ot.fr", "password": STAFF_PASSWORD}
        )
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    detail = (await desk.get(f"/api/v1/tickets/{reference}", headers=headers)).json()
    assert detail["assignee_id"] is None
    listed = await desk.get("/api/v1/tickets", params={"assignee": "non_assigne"}, headers=headers)
    assert reference in [t["reference"] for t in listed.json()["items"]]


async def test_an_academies_incident_shows_on_its_pages_a_national_one_everywhere(desk):
    await login(desk, "chef@ot.fr")
    await staff_post(desk, "/agent/incidents", {"title": "Panne OT", "message": "Jusqu'à midi."})
    await login(desk, "admin@ac.fr")
    opened = await staff_post(
        desk, "/agent/incidents", {"title": "Maintenance nationale", "message": "De 14 h à 16 h."}
    )
    assert opened.status_code == 303
    ot = text_of(await desk.get("/aide/contact?academie=orleans-tours"))
    assert "Académie d'Orléans-Tours - Panne OT" in ot
    assert "Toutes les académies - Maintenance nationale" in ot
    lyon = text_of(await desk.get("/aide/contact?academie=lyon"))
    assert "Panne OT" not in lyon and "Maintenance nationale" in lyon
    reference = await api_ticket(desk)
    await login(desk, "agent@ot.fr")
    assert "Panne OT" in text_of(await desk.get(f"/agent/tickets/{reference}"))


async def test_a_ticket_without_address_says_no_mail_will_go_and_a_merge_brings_one(desk):
    [reference] = await open_all(desk.app.state, "orleans-tours")  # Paul has no address
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert "aucun courriel ne partira" in page and "feuille individuelle" in page
    assert "Signalement de l'annuaire" in page
    queue = text_of(await desk.get("/agent", params={"channel": "annuaire"}))
    assert reference in queue and "Signalement de l'annuaire" in queue
    replied = await post(desk, reference, action="repondre", body="Nous regardons.")
    assert replied.status_code == 303
    note = await TicketEvent.select().where(TicketEvent.kind == "courriel").first()
    assert "Aucun courriel n'est parti" in note["body"]
    assert await OutboxMail.count().where(OutboxMail.kind == "reponse_agent") == 0
    parents = await api_ticket(
        desk,
        category="rattachement",
        requester={"kind": "parent", "first_name": "Paul", "last_name": "Durand",
                   "email": "paul.durand@example.fr", "phone": "0612345678"},
        message="Lina n'apparaît plus sur mon compte, je suis pourtant son père.",
    )  # fmt: skip
    merged = await post(desk, parents, action="fusionner", target=reference)
    assert merged.status_code == 303
    kept = await Ticket.select().where(Ticket.reference == reference).first()
    assert kept["requester_email"] == "paul.durand@example.fr"
    copied = await TicketEvent.select().where(
        (TicketEvent.ticket == kept["id"]) & (TicketEvent.kind == "message")
    )
    assert any("je suis pourtant son père" in e["body"] for e in copied)
    again = await post(desk, reference, action="repondre", body="Voici la suite.")
    assert again.status_code == 303
    assert await OutboxMail.count().where(OutboxMail.recipient == "paul.durand@example.fr") >= 2


async def test_the_ticket_names_the_school_and_a_schools_escalation_its_staff_member(desk):
    reference = await api_ticket(desk)  # UAI 0450782F, no school name typed
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert "Lycée des Coteaux, UAI 0450782F" in page
    await school_staff("ce@coteaux.fr", ["0450782F"], "Inès Garnier", academie="")
    await login(desk, "ce@coteaux.fr")
    sent = await staff_post(
        desk,
        "/etablissement/signaler",
        {
            "form_id": "f1",
            "uai": "0450782F",
            "category": "etablissement_console",
            "degre": "2nd",
            "module": "Dépannage des comptes élèves",
            "message_erreur": "Clé OTP refusée",
            "message": "Impossible d'ouvrir le module de dépannage depuis ce matin.",
        },
        "/etablissement/signaler",
    )
    assert sent.status_code == 303
    escalation = await Ticket.select().where(Ticket.channel == "escalation").first()
    await login(desk, "agent@ot.fr")
    page = text_of(await desk.get(f"/agent/tickets/{escalation['reference']}"))
    assert "Inès Garnier (personnel de l'établissement)" in page
    assert "(responsable)" not in page


async def test_the_statistics_file_has_one_charset(desk):
    await login(desk, "chef@ot.fr")
    response = await desk.get("/agent/statistiques.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].count("charset") == 1
