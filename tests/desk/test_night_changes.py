"""The overnight changes an agent asked for: followed on the ticket, the requester told."""

import socket

import pytest

from helpdesk.accounts.http import HttpAccountService
from helpdesk.desk.night_changes import tell_applied
from helpdesk.desk.tables import AccountChange
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import TicketEvent
from tests.factories import accounts, desk_client, school, signed_in_agent
from tests.helpers import (
    VALID_API,
    account_action,
    api_ticket,
    text_of,
)

CLAIRE = "claire.martin@example.fr"  # the requester of VALID_API


@pytest.fixture
async def desk(settings):
    async with desk_client(settings) as client:
        directory = client.app.state.accounts
        await school(directory, name="École des Tilleuls")
        ids = await accounts(
            directory,
            claire={"email": CLAIRE, "password": "Un-mot-de-passe-1"},
            leo_martin={"birth_date": "2016-04-03"},
        )
        await directory.add_link(ids["claire"], ids["leo_martin"])
        await signed_in_agent(client)
        client.ids = {"claire": ids["claire"], "leo": ids["leo_martin"]}
        yield client


@pytest.fixture
def port() -> int:
    """A loopback port nobody listens on: the account service is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def act(client, reference: str, account: str, action: str, key: str, **params):
    done = await account_action(client, reference, account, action, key, **params)
    assert done.status_code == 303, text_of(done)


async def told_mails():
    return await OutboxMail.select().where(OutboxMail.kind == "changement_applique")


async def test_a_corrected_birth_date_is_told_once_the_night_has_passed(desk):
    reference = await api_ticket(desk)
    await act(desk, reference, desk.ids["leo"], "correct_birth_date", "k1", birth_date="04/03/2016")
    await act(desk, reference, desk.ids["leo"], "correct_birth_date", "k1", birth_date="04/03/2016")
    assert await AccountChange.count() == 1  # the repeated call did the work once
    assert await tell_applied(desk.app.state) == 0  # not applied yet: nobody is told
    assert await told_mails() == []
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert "Date de naissance corrigée, compte" in page and "en attente des traitements" in page

    directory = desk.app.state.accounts
    assert len(await directory.apply_pending_changes()) == 1
    assert await tell_applied(desk.app.state) == 1
    assert await tell_applied(desk.app.state) == 0  # told once only
    [mail] = await told_mails()
    assert mail["recipient"] == CLAIRE and reference in mail["subject"]
    assert "4 mars 2016" in mail["text_body"] and "/suivi/" in mail["text_body"]
    # the follow-up page shows it, from the link in that mail
    link = mail["text_body"].split("http://testserver.local", 1)[1].split()[0]
    follow = text_of(await desk.get(link))
    assert "la date de naissance de l'élève est le 4 mars 2016" in follow
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert "appliqué, demandeur informé le" in page


async def test_a_new_identifier_is_named_only_to_the_accounts_confirmed_address(desk):
    claire = desk.ids["claire"]
    reference = await api_ticket(desk, category="identifiant_perdu")
    other = await api_ticket(
        desk,
        category="identifiant_perdu",
        requester={**VALID_API["requester"], "email": "quelquun@example.net"},
    )
    await act(desk, reference, claire, "regenerate_identifier", "r1")
    directory = desk.app.state.accounts
    [done] = await directory.apply_pending_changes()
    new = done["identifier"]
    assert new != claire
    assert await tell_applied(desk.app.state) == 1
    [mail] = await told_mails()
    assert new in mail["text_body"] and new in mail["html_body"]

    # the same change asked from a ticket whose requester typed another address
    await act(desk, other, new, "regenerate_identifier", "r2")
    [again] = await directory.apply_pending_changes()
    assert await tell_applied(desk.app.state) == 1
    mail = (await OutboxMail.select().where(OutboxMail.recipient == "quelquun@example.net"))[-1]
    assert again["identifier"] not in mail["text_body"]
    assert "Identifiant oublié" in mail["text_body"]
    public = await TicketEvent.select().where(
        (TicketEvent.kind == "compte") & (TicketEvent.public == True)  # noqa: E712
    )
    assert len(public) == 2 and all(again["identifier"] not in e["body"] for e in public)


async def test_an_unreachable_account_service_leaves_the_telling_for_later(desk, port):
    reference = await api_ticket(desk)
    await act(desk, reference, desk.ids["leo"], "correct_birth_date", "k1", birth_date="04/03/2016")
    local = desk.app.state.accounts
    await local.apply_pending_changes()
    desk.app.state.accounts = HttpAccountService(
        f"http://127.0.0.1:{port}", "cle", retries=0, timeout=0.5, connect_timeout=0.5
    )
    assert await tell_applied(desk.app.state) == 0
    assert await AccountChange.count().where(AccountChange.told_at.is_null()) == 1
    desk.app.state.accounts = local
    assert await tell_applied(desk.app.state) == 1
    assert len(await told_mails()) == 1
