"""Staff screens speak French: statuses, history, links, transfers and dates as words."""

import re

import pytest

from helpdesk.tickets.tables import Ticket
from tests.factories import accounts, agent, desk_client, school
from tests.helpers import account_action, api_ticket, login, staff_post, text_of


@pytest.fixture
async def desk(settings):
    async with desk_client(settings) as client:
        directory = client.app.state.accounts
        await school(directory, name="Lycée des Coteaux")
        ids = await accounts(directory, claire={}, leo_martin={"birth_date": "2012-05-19"})
        claire, leo = ids["claire"], ids["leo_martin"]
        await directory.add_link(claire, leo, status="non_confirme")
        await agent()
        await agent("agent@lyon.fr", "Louis Lyon", academie="lyon")
        await login(client, "agent@ot.fr")
        client.ids = {"claire": claire, "leo": leo}
        yield client


async def post(client, reference: str, **data):
    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    return await staff_post(
        client, f"/agent/tickets/{reference}", {"version": ticket["version"], **data}
    )


def visible(response) -> str:
    return re.sub(r"<[^>]+>", "", text_of(response))


async def test_statuses_read_from_the_desks_side(desk):
    waiting = await api_ticket(desk)
    await post(desk, waiting, action="repondre", body="Quelle classe ?", status="en_attente")
    junk = await api_ticket(desk)
    await post(desk, junk, action="spam")
    page = visible(await desk.get(f"/agent/tickets/{waiting}"))
    assert "En attente du demandeur" in page and "de votre réponse" not in page
    assert "Statut\u00a0: Reçue, en attente de traitement → En attente du demandeur" in page
    assert "Indésirable" in visible(await desk.get(f"/agent/tickets/{junk}"))
    queue = visible(await desk.get("/agent", params={"status": ["en_attente", "spam"]}))
    assert "En attente du demandeur" in queue and "Indésirable" in queue


async def test_history_links_and_dates_are_words(desk):
    reference = await api_ticket(desk)
    done = await account_action(
        desk, reference, desk.ids["leo"], "correct_birth_date", "d1", birth_date="19/06/2012"
    )
    assert done.status_code == 303
    await post(desk, reference, action="transmettre", question="Pouvez-vous vérifier la date ?")
    page = visible(await desk.get(f"/agent/tickets/{reference}", params={"compte": "c.martin1"}))
    assert "Action sur le compte" in page and "Transmis à l'établissement" in page
    assert "Compte lié à la demande" in page
    assert "non confirmé" in page and "non_confirme" not in page
    leo = visible(await desk.get(f"/agent/tickets/{reference}", params={"compte": desk.ids["leo"]}))
    assert "19 mai 2012" in leo and "2012-05-19" not in leo
    assert (
        "19 juin 2012" in leo and "{" not in leo.split("Compte ÉduConnect")[1].split("Actions")[0]
    )
    for code in (">compte<", ">transmission<", ">compte_lie<"):
        assert code not in text_of(await desk.get(f"/agent/tickets/{reference}"))


async def test_a_transfer_names_the_academies(desk):
    reference = await api_ticket(desk)
    moved = await post(desk, reference, action="transferer", academie="lyon")
    assert moved.status_code == 303
    await login(desk, "agent@lyon.fr")
    page = visible(await desk.get(f"/agent/tickets/{reference}"))
    assert "Transfert" in page and "Orléans-Tours → Lyon" in page
    assert "orleans-tours vers lyon" not in page


async def test_a_retired_category_reads_as_other_never_as_its_code(desk):
    reference = await api_ticket(desk)
    retired = {Ticket.category: "retiree_cat", Ticket.suggested_category: "retiree_sug"}
    await Ticket.update(retired).where(Ticket.reference == reference)
    queue = visible(await desk.get("/agent"))
    page = visible(await desk.get(f"/agent/tickets/{reference}"))
    for text in (queue, page):
        assert "retiree" not in text
    assert "Autre" in queue and f"{reference} - Autre difficulté avec ÉduConnect" in page
    assert "suggère la catégorie «\u00a0Autre difficulté avec ÉduConnect\u00a0»" in page
    await post(desk, reference, action="modifier", category="mot_de_passe")
    history = visible(await desk.get(f"/agent/tickets/{reference}"))
    assert "Catégorie\u00a0: Autre → Mot de passe (par Agnès Roux)." in history
