import pytest

from helpdesk.desk.tables import Incident
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket
from tests.factories import agent, desk_client, supervisor
from tests.helpers import api_ticket, login, staff_post, text_of


@pytest.fixture
async def chef_client(settings):
    async with desk_client(settings) as client:
        await supervisor()
        await login(client, "chef@ot.fr")
        yield client


async def test_an_incident_shows_a_banner_links_tickets_and_answers_them_all(chef_client):
    client = chef_client
    await staff_post(
        client,
        "/agent/incidents",
        {
            "title": "ÉduConnect en maintenance",
            "message": "Le service est indisponible jusqu'à 14 h.",
        },
    )
    incident = await Incident.select().first()
    # on the académie's own pages (its form, its contact card), naming it; not elsewhere
    for path in (
        "/assistance?academie=orleans-tours&categorie=date_naissance",
        "/aide/contact?academie=orleans-tours",
    ):
        shown = text_of(await client.get(path))
        assert "Académie d'Orléans-Tours - ÉduConnect en maintenance" in shown, path
    for path in ("/aide", "/", "/aide/contact?academie=lyon", "/assistance"):
        assert "ÉduConnect en maintenance" not in text_of(await client.get(path)), path
    refs = [await api_ticket(client) for _ in range(2)]
    for ref in refs:
        ticket = await Ticket.select().where(Ticket.reference == ref).first()
        await staff_post(
            client,
            f"/agent/tickets/{ref}",
            {"action": "incident", "version": ticket["version"], "incident": incident["id"]},
        )
    assert await Ticket.count().where(Ticket.incident_id == incident["id"]) == 2
    done = await staff_post(
        client,
        "/agent/incidents",
        {
            "fermer": incident["id"],
            "message": "ÉduConnect fonctionne de nouveau : reprenez votre activation.",
        },
    )
    assert done.status_code == 303
    assert await Ticket.count().where(Ticket.status == "resolu") == 2
    assert await OutboxMail.count().where(OutboxMail.kind == "reponse_agent") == 2
    closed = await client.get("/aide/contact?academie=orleans-tours")
    assert "ÉduConnect en maintenance" not in text_of(closed)


async def test_agents_cannot_open_incidents(client):
    await agent(name="")
    await login(client, "agent@ot.fr")
    assert (await client.get("/agent/incidents", follow_redirects=False)).status_code == 303
