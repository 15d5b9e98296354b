"""The directory's « À traiter » (flags raised by parents in ÉduConnect) as tickets."""

import asyncio

import pytest

from helpdesk.accounts.port import ACTIVE
from helpdesk.cli import main
from helpdesk.desk.anomalies import open_ticket, to_treat
from helpdesk.desk.tables import AnomalyTicket
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket
from tests.factories import desk_client, signed_in_agent
from tests.helpers import csrf_token, text_of


async def fill(directory) -> dict:
    await directory.add_establishment("0450782F", "École des Tilleuls", academie="orleans-tours")
    await directory.add_establishment("0690001A", "Collège Lyonnais", academie="lyon")
    claire = await directory.add_account(
        "responsable",
        "Claire",
        "Martin",
        uai="0450782F",
        state=ACTIVE,
        email="claire.martin@example.fr",
        email_confirmed=True,
        flags=["date_naissance_signalee_incorrecte"],
    )
    leo = await directory.add_account(
        "eleve",
        "Léo",
        "Martin",
        uai="0450782F",
        state=ACTIVE,
        birth_date="2016-04-03",
        flags=["date_naissance_signalee_incorrecte"],
    )
    await directory.add_link(claire, leo)
    paul = await directory.add_account(
        "responsable", "Paul", "Durand", uai="0450782F", state=ACTIVE
    )
    lina = await directory.add_account("eleve", "Lina", "Petit", uai="0450782F", state=ACTIVE)
    await directory.add_link(paul, lina, status="signale_errone")
    lyon = await directory.add_account("responsable", "Marc", "Lyon", uai="0690001A", state=ACTIVE)
    other = await directory.add_account("eleve", "Zoé", "Lyon", uai="0690001A", state=ACTIVE)
    await directory.add_link(lyon, other, status="signale_errone")
    return {"claire": claire, "paul": paul, "lyon": lyon}


@pytest.fixture
async def desk(settings):
    async with desk_client(settings) as client:
        app = client.app
        client.ids = await fill(app.state.accounts)
        await signed_in_agent(client)
        yield client


async def test_one_click_makes_a_ticket_and_a_second_click_finds_it(desk):
    page = await desk.get("/agent/signalements")
    html = text_of(page)
    assert page.status_code == 200
    assert "Claire Martin" in html and "Paul Durand" in html and "Marc Lyon" not in html
    assert "Date de naissance signalée incorrecte" in html and "3 avril 2016" not in html
    data = {
        "_csrf_token": csrf_token(page.text),
        "compte": desk.ids["claire"],
        "signalement": "date_naissance_signalee_incorrecte",
    }
    made = await desk.post("/agent/signalements", data=data, follow_redirects=False)
    assert made.status_code == 303
    reference = made.headers["location"].rsplit("/", 1)[1]
    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    assert ticket["category"] == "date_naissance" and ticket["channel"] == "annuaire"
    assert ticket["identifier"] == desk.ids["claire"] and ticket["child_first_name"] == "Léo"
    assert "né(e) le 3 avril 2016 dans la base" in ticket["message"]
    again = await desk.post("/agent/signalements", data=data, follow_redirects=False)
    assert again.headers["location"].endswith(reference) and await Ticket.count() == 1
    [ack] = await OutboxMail.select().where(OutboxMail.recipient == "claire.martin@example.fr")
    assert "Vous avez fait un signalement dans ÉduConnect" in ack["text_body"]
    assert reference in text_of(await desk.get("/agent/signalements"))

    # once the ticket is closed and the flag still raised, it is to be treated again
    await Ticket.update({Ticket.status: "clos"}).where(Ticket.reference == reference)
    assert "Ouvrir une demande" in text_of(await desk.get("/agent/signalements"))


async def test_two_agents_clicking_at_once_make_one_ticket(desk):
    """Each agent's page listed the report without a ticket; both click at the same instant."""
    state = desk.app.state
    first, second = await to_treat(state, "orleans-tours"), await to_treat(state, "orleans-tours")
    claire = [a for a in first if a.account.identifier == desk.ids["claire"]][0]
    twin = [a for a in second if a.account.identifier == desk.ids["claire"]][0]
    made = await asyncio.gather(
        open_ticket(state, "orleans-tours", claire), open_ticket(state, "orleans-tours", twin)
    )
    assert made[0] == made[1]
    assert await Ticket.count() == 1
    assert await AnomalyTicket.count() == 1
    # closed, then clicked again: a new ticket, and only one
    await Ticket.update({Ticket.status: "clos"}).where(Ticket.reference == made[0])
    third = [
        a
        for a in await to_treat(state, "orleans-tours")
        if a.account.identifier == desk.ids["claire"]
    ]
    again = await asyncio.gather(
        open_ticket(state, "orleans-tours", third[0]),
        open_ticket(state, "orleans-tours", third[0]),
    )
    assert again[0] == again[1] != made[0]
    assert await Ticket.count() == 2


async def test_all_at_once_and_an_account_without_mail(desk):
    page = await desk.get("/agent/signalements")
    done = await desk.post(
        "/agent/signalements",
        data={"_csrf_token": csrf_token(page.text), "tous": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/agent/signalements"
    assert "2 demande(s) ouverte(s)." in text_of(await desk.get("/agent/signalements"))
    paul = await Ticket.select().where(Ticket.identifier == desk.ids["paul"]).first()
    assert paul["category"] == "rattachement" and paul["requester_email"] == ""
    assert paul["child_first_name"] == "Lina"
    assert await OutboxMail.count() == 1  # Claire's acknowledgment only: Paul has no address
    assert await Ticket.count().where(Ticket.academie == "lyon") == 0
    gone = await desk.post(
        "/agent/signalements",
        data={"_csrf_token": csrf_token(page.text), "compte": "x.inconnu1", "signalement": "x"},
    )
    assert gone.status_code == 404 and "plus à traiter" in text_of(gone)


def test_the_scheduled_command(tmp_path, monkeypatch, capsys):
    import asyncio

    from helpdesk.accounts.local import LocalDirectory
    from helpdesk.core.db import make_engine, migrate
    from helpdesk.core.settings import load_settings

    database = tmp_path / "nuit.sqlite3"
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "cle")

    async def prepare() -> None:
        await migrate(make_engine(f"sqlite:///{database}"))
        await fill(LocalDirectory(load_settings()))

    asyncio.run(prepare())
    assert main(["accounts", "anomalies"]) == 0
    out = capsys.readouterr().out
    assert "lyon\u00a0: demande LY-" in out and "3 demande(s) ouverte(s)." in out
    assert main(["accounts", "anomalies", "--academie", "lyon"]) == 0
    assert "0 demande(s) ouverte(s)." in capsys.readouterr().out
    assert main(["accounts", "anomalies", "--academie", "atlantide"]) == 2
    assert "Académie inconnue" in capsys.readouterr().err
