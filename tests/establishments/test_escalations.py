import json

import pytest

from helpdesk.categories.catalogue import category_of
from helpdesk.establishments.tables import Transmission
from helpdesk.tickets.tables import Ticket, TicketEvent
from tests.factories import agent, desk_client, school_staff
from tests.helpers import api_ticket, csrf_token, login, staff_post, text_of


@pytest.fixture
async def school_client(settings):
    async with desk_client(settings) as client:
        await school_staff("ecole@ot.fr", ["0450782F"], "Collège Jean Zay")
        await school_staff("autre@ot.fr", ["0180008L"], "Autre collège")
        await agent()
        yield client


async def escalate(client, **fields: str):
    """The school's « Signaler » form, sent with these fields over a console problem's."""
    form = await client.get("/etablissement/signaler")
    data = {
        "_csrf_token": csrf_token(form.text),
        "uai": "0450782F",
        "category": "etablissement_console",
        "degre": "2nd",
        "module": "Dépannage des comptes élèves",
        "message": "Impossible d'ouvrir le module de dépannage depuis ce matin.",
    }
    return await client.post("/etablissement/signaler", data=data | fields, follow_redirects=False)


async def test_school_escalates_a_console_problem_seen_in_the_agents_queue(school_client):
    client = school_client
    assert (await login(client, "ecole@ot.fr")).headers["location"] == "/etablissement"
    sent = await escalate(client, form_id="f1", message_erreur="Clé OTP refusée")
    assert sent.status_code == 303
    ticket = await Ticket.select().first()
    assert ticket["channel"] == "escalation" and ticket["academie"] == "orleans-tours"
    assert "Clé OTP refusée" in json.loads(ticket["details"])["message_erreur"]
    page = text_of(await client.get(sent.headers["location"]))
    assert "Clé OTP refusée" in page
    # another school does not see it
    await login(client, "autre@ot.fr")
    assert (await client.get(f"/etablissement/demandes/{ticket['reference']}")).status_code == 404
    assert ticket["reference"] not in text_of(await client.get("/etablissement"))
    # the agents see it as a distinct channel
    await login(client, "agent@ot.fr")
    queue = text_of(await client.get("/agent", params={"channel": "escalation"}))
    assert ticket["reference"] in queue and "Établissement" in queue


async def test_school_cannot_escalate_for_a_school_that_is_not_its_own(school_client):
    await login(school_client, "ecole@ot.fr")
    refused = await escalate(
        school_client, uai="0180008L", module="Autre", message="Un problème quelconque ici."
    )
    assert refused.status_code == 422
    assert "Choisissez un de vos établissements." in text_of(refused)
    assert await Ticket.count() == 0


async def test_agent_transmits_to_the_school_which_answers_on_the_ticket(school_client):
    client = school_client
    reference = await api_ticket(client)  # UAI 0450782F
    await login(client, "agent@ot.fr")
    ticket = await Ticket.select().first()
    await staff_post(
        client,
        f"/agent/tickets/{reference}",
        {
            "action": "transmettre",
            "version": ticket["version"],
            "question": "Pouvez-vous vérifier la date de naissance de Léo Martin dans votre base ?",
        },
    )
    assert await Transmission.count() == 1
    await login(client, "ecole@ot.fr")
    home = await client.get("/etablissement")
    assert "Pouvez-vous vérifier la date de naissance" in text_of(home)
    transmission = await Transmission.select().first()
    await client.post(
        f"/etablissement/transmissions/{transmission['id']}",
        data={"_csrf_token": csrf_token(home.text), "answer": "Corrigée : 04/03/2016."},
    )
    await login(client, "autre@ot.fr")
    other = await client.get("/etablissement")
    assert "Pouvez-vous vérifier" not in text_of(other)
    assert (
        await client.post(
            f"/etablissement/transmissions/{transmission['id']}",
            data={"_csrf_token": csrf_token(other.text), "answer": "intrus"},
        )
    ).status_code == 404
    await login(client, "agent@ot.fr")
    page = text_of(await client.get(f"/agent/tickets/{reference}"))
    assert "Corrigée : 04/03/2016." in page or "Corrigée\u00a0: 04/03/2016." in page
    assert await TicketEvent.count().where(TicketEvent.kind == "reponse_etablissement") == 1


@pytest.mark.parametrize("moved_to", ["demarche_en_ligne", "code_retire"])
async def test_the_school_reads_its_ticket_category_in_words_wherever_it_was_moved(
    school_client, moved_to
):
    """An agent may move a school's ticket to a category schools cannot choose, and an old
    ticket may carry a code this release no longer knows: the school still reads words."""
    client = school_client
    await login(client, "ecole@ot.fr")
    sent = await escalate(client, form_id="f2")
    ticket = await Ticket.select().first()
    await Ticket.update({Ticket.category: moved_to}).where(Ticket.id == ticket["id"])
    expected = category_of(moved_to).label
    for path in ("/etablissement", sent.headers["location"]):
        page = text_of(await client.get(path))
        assert expected in page and moved_to not in page
